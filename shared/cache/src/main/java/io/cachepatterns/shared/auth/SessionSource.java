package io.cachepatterns.shared.auth;

import io.smallrye.mutiny.Uni;

/**
 * Where {@link Authenticator} asks about a session that Redis does not hold: profile-service's store. By default
 * over HTTP ({@link ProfileSessionSource}); profile-service, which owns the sessions, reads its database instead.
 */
public interface SessionSource {

    /**
     * The live session of {@code token} (whose SHA-256 is {@code tokenHash}), unsigned; {@code null} if it is unknown,
     * expired or ended. Fails (a 503 problem) when the store cannot be asked.
     */
    Uni<SessionGrant> load(String token, String tokenHash);
}
