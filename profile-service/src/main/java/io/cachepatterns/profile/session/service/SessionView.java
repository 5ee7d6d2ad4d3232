package io.cachepatterns.profile.session.service;

import io.cachepatterns.shared.auth.SessionGrant;
import java.time.Instant;
import java.util.List;

/** The current session as {@code GET /sessions/current} answers it: whose, with which roles, until when. */
public record SessionView(long profileId, List<String> roles, Instant expiresAt) {

    public static SessionView of(SessionGrant grant) {
        return new SessionView(grant.profileId(), grant.roles(), grant.expiresAt());
    }
}
