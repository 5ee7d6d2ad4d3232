package io.cachepatterns.profile.session.service;

import io.cachepatterns.profile.session.Session;
import java.time.Duration;
import java.time.Instant;

/** Who a session belongs to and until when; what is cached, never the token. */
public record SessionView(long profileId, Instant expiresAt) {

    public static SessionView of(Session session) {
        return new SessionView(session.profileId, session.expiresAt);
    }

    /** How long the session has left: the cache entry's TTL, so that it expires with the session everywhere. */
    public Duration remaining() {
        return Duration.between(Instant.now(), expiresAt);
    }

    public boolean isLive() {
        return Instant.now().isBefore(expiresAt);
    }
}
