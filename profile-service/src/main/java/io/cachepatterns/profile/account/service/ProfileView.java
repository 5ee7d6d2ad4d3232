package io.cachepatterns.profile.account.service;

import io.cachepatterns.profile.account.Profile;
import java.time.Instant;

/** A profile as the API shows it and as it is cached: everything but the password hash. */
public record ProfileView(long id, String username, String displayName, String email, String bio, long version,
                          Instant updatedAt) {

    public static ProfileView of(Profile profile) {
        return new ProfileView(profile.id, profile.username, profile.displayName, profile.email, profile.bio,
                profile.version, profile.updatedAt);
    }
}
