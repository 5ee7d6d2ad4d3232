package io.cachepatterns.shared.auth;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * A live session as the session store answers it and as Redis caches it: whose it is, with which roles, until when,
 * and a MAC over all of that and the token's hash ({@link SessionSigner}), so that an entry written into Redis by
 * anyone without the server secret is refused. Never the token itself.
 */
public record SessionGrant(long profileId, List<String> roles, Instant expiresAt, String mac) {

    public SessionGrant {
        roles = roles == null ? List.of() : List.copyOf(roles);
    }

    /** How long the session has left: the cache entry's TTL, so that it expires with the session everywhere. */
    public Duration remaining() {
        return Duration.between(Instant.now(), expiresAt);
    }

    public boolean isLive() {
        return Instant.now().isBefore(expiresAt);
    }

    public SessionGrant withMac(String mac) {
        return new SessionGrant(profileId, roles, expiresAt, mac);
    }
}
