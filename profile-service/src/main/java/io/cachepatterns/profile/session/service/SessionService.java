package io.cachepatterns.profile.session.service;

import io.cachepatterns.profile.account.service.ProfileService;
import io.cachepatterns.profile.session.Session;
import io.cachepatterns.profile.session.config.SessionConfig;
import io.cachepatterns.profile.session.repository.SessionRepository;
import io.cachepatterns.shared.outbox.Outbox;
import io.cachepatterns.shared.patterns.CacheAside;
import io.cachepatterns.shared.patterns.Caches;
import io.cachepatterns.shared.problem.ProblemException;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;

/**
 * Sessions shared by every instance: PostgreSQL holds them, Redis caches them (cache-aside) for as long as each has
 * left, so an expired session is gone everywhere at once. Logout revokes in the database, then invalidates the
 * cache entry. If Redis is lost, sessions are read from the database: nobody is logged out.
 */
@ApplicationScoped
public class SessionService {

    public static final String CACHE = "sessions";
    private static final String BEARER = "Bearer ";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final SessionRepository repository;
    private final ProfileService profiles;
    private final SessionConfig config;
    private final CacheAside<SessionView> sessions;
    private final Outbox outbox;

    public SessionService(SessionRepository repository, ProfileService profiles, SessionConfig config,
                          Caches caches, Outbox outbox) {
        this.repository = repository;
        this.outbox = outbox;
        this.profiles = profiles;
        this.config = config;
        this.sessions = caches.cacheAside(CACHE, SessionView.class, SessionView::remaining);
    }

    public Uni<NewSession> login(Credentials credentials) {
        return profiles.authenticate(credentials.username(), credentials.password())
                .flatMap(profileId -> {
                    String token = newToken();
                    Session session = new Session();
                    session.tokenHash = hash(token);
                    session.profileId = profileId;
                    session.createdAt = Instant.now().truncatedTo(ChronoUnit.MICROS);
                    session.expiresAt = session.createdAt.plus(config.lifetime());
                    return Panache.withTransaction(() -> repository.persist(session))
                            .map(ignored -> new NewSession(token, profileId, session.expiresAt));
                });
    }

    /** The live session named by an {@code Authorization: Bearer <token>} header, or a 401 problem. */
    public Uni<SessionView> authenticate(String authorization) {
        return Uni.createFrom().item(() -> tokenHash(authorization)).flatMap(this::authenticateHash);
    }

    private Uni<SessionView> authenticateHash(String tokenHash) {
        return sessions.get(tokenHash, () -> liveSession(tokenHash))
                .map(session -> {
                    // The entry's TTL ends with the session, but a read can land in the last millisecond.
                    if (session == null || !session.isLive()) {
                        throw ProblemException.unauthorized("the session is unknown, expired or ended");
                    }
                    return session;
                });
    }

    private Uni<SessionView> liveSession(String tokenHash) {
        return Panache.withSession(() -> repository.findLive(tokenHash, Instant.now()))
                .map(session -> session == null ? null : SessionView.of(session));
    }

    /**
     * Ends the session for every instance: revoked in the database, and dropped from the cache through the outbox,
     * so that a logout during a Redis outage still ends the cached copy once Redis is back.
     */
    public Uni<Void> logout(String authorization) {
        return Uni.createFrom().item(() -> tokenHash(authorization))
                .flatMap(tokenHash -> authenticateHash(tokenHash)
                        .flatMap(session -> outbox.transaction(() -> repository.revoke(tokenHash, Instant.now()),
                                ignored -> List.of(sessions.invalidationOf(tokenHash)))))
                .replaceWithVoid();
    }

    /** The hash of the token in {@code Authorization: Bearer <token>}; a 401 problem if there is none. */
    private static String tokenHash(String authorization) {
        if (authorization == null || !authorization.startsWith(BEARER) || authorization.length() > 200) {
            throw ProblemException.unauthorized("a Bearer token is required");
        }
        return hash(authorization.substring(BEARER.length()).strip());
    }

    /** 256 random bits, URL-safe. */
    private static String newToken() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    private static String hash(String token) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
