package io.cachepatterns.profile.account.service;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.cachepatterns.profile.account.Profile;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;

/**
 * A profile as it is cached and as its owner (or an admin) sees it: everything but the password hash. Anyone else
 * sees {@link #publicView()}: no email, no roles.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ProfileView(long id, String username, String displayName, String email, String bio, List<String> roles,
                          long version, Instant updatedAt) {

    public static ProfileView of(Profile profile) {
        return new ProfileView(profile.id, profile.username, profile.displayName, profile.email, profile.bio,
                rolesOf(profile.roles), profile.version, profile.updatedAt);
    }

    /** What anyone may see: ids are sequential, so whatever is here, anyone can list for every user. */
    public ProfileView publicView() {
        return new ProfileView(id, username, displayName, null, bio, null, version, updatedAt);
    }

    public static List<String> rolesOf(String column) {
        return column == null || column.isBlank() ? List.of() : Arrays.stream(column.split(",")).toList();
    }
}
