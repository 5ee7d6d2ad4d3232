package io.cachepatterns.profile.session.service;

import java.time.Instant;

/** The answer to a login: the token, shown this once, and when it expires. */
public record NewSession(String token, long profileId, Instant expiresAt) {
}
