package io.cachepatterns.profile.session.repository;

import io.cachepatterns.profile.session.Session;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;

/** Sessions in PostgreSQL; lookups that reach the database are counted. */
@ApplicationScoped
public class SessionRepository implements PanacheRepositoryBase<Session, String> {

    private final Counter lookups;

    public SessionRepository(MeterRegistry registry) {
        this.lookups = registry.counter("db.queries", "query", "session-by-token");
    }

    /** The session if it is neither revoked nor expired. */
    public Uni<Session> findLive(String tokenHash, Instant now) {
        lookups.increment();
        return find("tokenHash = ?1 and revokedAt is null and expiresAt > ?2", tokenHash, now).firstResult();
    }

    /** The token hashes of {@code profileId}'s live sessions (to invalidate their cached copies). */
    public Uni<java.util.List<String>> liveHashesOf(long profileId, Instant now) {
        return find("profileId = ?1 and revokedAt is null and expiresAt > ?2", profileId, now).list()
                .map(sessions -> sessions.stream().map(session -> session.tokenHash).toList());
    }

    /** Marks the session revoked; true if there was a live one. */
    public Uni<Boolean> revoke(String tokenHash, Instant now) {
        return update("revokedAt = ?1 where tokenHash = ?2 and revokedAt is null", now, tokenHash)
                .map(updated -> updated > 0);
    }
}
