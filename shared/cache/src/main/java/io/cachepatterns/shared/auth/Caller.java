package io.cachepatterns.shared.auth;

import java.util.Set;

/**
 * Who made a request, once {@link Authenticator} has checked it: a signed-in profile with its roles, or the operator
 * (the {@code ADMIN_TOKEN}), who is no profile.
 */
public record Caller(long profileId, Set<Role> roles, boolean operator) {

    public static Caller theOperator() {
        return new Caller(0, Set.of(Role.ADMIN), true);
    }

    public static Caller profile(long profileId, Set<Role> roles) {
        return new Caller(profileId, Set.copyOf(roles), false);
    }

    public boolean has(Role needed) {
        return roles.stream().anyMatch(role -> role.grants(needed));
    }

    /** Whether this caller is the profile {@code id}'s owner. */
    public boolean owns(long id) {
        return !operator && profileId == id;
    }

    /** An admin, the operator, or a service: may post scores and count many views at once. */
    public boolean trusted() {
        return has(Role.SERVICE);
    }
}
