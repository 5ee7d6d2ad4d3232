package io.cachepatterns.profile.session.service;

import io.cachepatterns.profile.account.service.ProfileService;
import io.cachepatterns.profile.session.Session;
import io.cachepatterns.profile.session.config.SessionConfig;
import io.cachepatterns.profile.session.repository.SessionRepository;
import io.cachepatterns.shared.auth.Authenticator;
import io.cachepatterns.shared.outbox.Outbox;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.runtime.Startup;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.List;

/**
 * Sessions shared by every instance of every service: PostgreSQL holds them, Redis caches them (cache-aside, through
 * the shared {@link Authenticator}) for as long as each has left, so an expired session is gone everywhere at once.
 * Logout revokes in the database, then invalidates the one cache entry every service reads. If Redis is lost,
 * sessions are read from the database: nobody is logged out.
 */
@Startup // its caches exist from start-up: this instance's outbox relay delivers their invalidations before a request
@ApplicationScoped
public class SessionService {

    private static final SecureRandom RANDOM = new SecureRandom();

    private final SessionRepository repository;
    private final ProfileService profiles;
    private final SessionConfig config;
    private final Authenticator authenticator;
    private final Outbox outbox;

    public SessionService(SessionRepository repository, ProfileService profiles, SessionConfig config,
                          Authenticator authenticator, Outbox outbox) {
        this.repository = repository;
        this.outbox = outbox;
        this.profiles = profiles;
        this.config = config;
        this.authenticator = authenticator;
    }

    public Uni<NewSession> login(Credentials credentials) {
        return profiles.authenticate(credentials.username(), credentials.password())
                .flatMap(profileId -> {
                    String token = newToken();
                    Session session = new Session();
                    session.tokenHash = Authenticator.hash(token);
                    session.profileId = profileId;
                    session.createdAt = Instant.now().truncatedTo(ChronoUnit.MICROS);
                    session.expiresAt = session.createdAt.plus(config.lifetime());
                    return Panache.withTransaction(() -> repository.persist(session))
                            .map(ignored -> new NewSession(token, profileId, session.expiresAt));
                });
    }

    /** The live session named by an {@code Authorization: Bearer <token>} header, or a 401 problem. */
    public Uni<SessionView> current(String authorization) {
        return authenticator.sessionForAnotherService(authorization).map(SessionView::of);
    }

    /**
     * Ends the session for every service: revoked in the database, and dropped from the cache through the outbox,
     * so that a logout during a Redis outage still ends the cached copy once Redis is back.
     */
    public Uni<Void> logout(String authorization) {
        return authenticator.session(authorization)
                .flatMap(session -> {
                    String tokenHash = Authenticator.tokenHashOf(authorization);
                    return outbox.transaction(() -> repository.revoke(tokenHash, Instant.now()),
                            ignored -> List.of(authenticator.sessionCache().invalidationOf(tokenHash)));
                })
                .replaceWithVoid();
    }

    /** 256 random bits, URL-safe. */
    private static String newToken() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
