package io.cachepatterns.shared.auth;

import io.cachepatterns.shared.metrics.CacheMetrics;
import io.cachepatterns.shared.patterns.CacheAside;
import io.cachepatterns.shared.patterns.Caches;
import io.cachepatterns.shared.problem.ProblemException;
import io.micrometer.core.instrument.Counter;
import io.quarkus.runtime.Startup;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.jboss.logging.Logger;

/**
 * Who is calling, for every service: {@code Authorization: Bearer <token>} is either the operator's
 * {@code ADMIN_TOKEN} or a session token from {@code POST /sessions}.
 *
 * <p>Sessions are cached aside in Redis under profile-service's keys ({@code profile:sessions:v2:{sha256(token)}}),
 * which profile-service writes and deletes too: a logout deletes the one entry every service reads, so it is seen
 * by the whole fleet at once. A miss asks the {@link SessionSource} (profile-service) and caches its answer for as
 * long as the session has left, at most {@code cache.sessions.ttl}; profile-service answers such a check without
 * taking the entry's lease, which the asker holds ({@link #sessionForAnotherService}).
 *
 * <p><b>Guarantees.</b> A logout (or a role change) is seen everywhere as soon as its invalidation reaches Redis, and
 * at the latest after {@code cache.sessions.ttl} (5 minutes) if Redis could not take it; an expired session is
 * refused at its expiry, whatever the cache holds. A cached entry whose MAC does not verify ({@link SessionSigner})
 * is dropped and never trusted. With Redis down every check asks profile-service; with profile-service down too,
 * a 503 problem, never an open door.
 */
@Startup
@ApplicationScoped
public class Authenticator {

    private static final Logger LOG = Logger.getLogger(Authenticator.class);
    private static final String BEARER = "Bearer ";
    /** The session cache belongs to profile-service: every service reads and writes its keys. */
    public static final String SESSIONS_OWNER = "profile";
    public static final String SESSIONS_CACHE = "sessions";

    private final CacheAside<SessionGrant> sessions;
    private final SessionSource source;
    private final SessionSigner signer;
    private final Optional<byte[]> adminToken;
    private final Counter forged;

    public Authenticator(AuthConfig config, Caches caches, SessionSource source, CacheMetrics metrics) {
        this.source = source;
        this.signer = new SessionSigner(config.sessionSecret().filter(secret -> !secret.isBlank()).orElseThrow(() ->
                new IllegalStateException("SESSION_SECRET is not set: every service needs the same secret of at "
                        + "least 32 bytes to sign cached sessions (e.g. `openssl rand -base64 48`)")));
        this.adminToken = config.adminToken().filter(token -> !token.isBlank())
                .map(token -> token.getBytes(StandardCharsets.UTF_8));
        this.sessions = caches.sharedCacheAside(SESSIONS_OWNER, SESSIONS_CACHE, SessionGrant.class,
                SessionGrant::remaining);
        this.forged = metrics.registry().counter("auth.forged.sessions");
    }

    /** The caller named by the header; a 401 problem without a valid credential. */
    public Uni<Caller> authenticate(String authorization) {
        return Uni.createFrom().item(() -> tokenOf(authorization)).flatMap(token -> {
            if (isAdminToken(token)) {
                return Uni.createFrom().item(Caller.theOperator());
            }
            return grant(token).map(grant -> Caller.profile(grant.profileId(), roles(grant)));
        });
    }

    /** The caller, or {@code null} when the request carries no {@code Authorization} header at all. */
    public Uni<Caller> optional(String authorization) {
        return authorization == null ? Uni.createFrom().nullItem() : authenticate(authorization);
    }

    /** The caller if it holds {@code role}; 401 without a credential, 403 with one that lacks the role. */
    public Uni<Caller> require(String authorization, Role role) {
        return authenticate(authorization).invoke(caller -> {
            if (!caller.has(role)) {
                throw ProblemException.forbidden("this needs the role '" + role.wireName() + "'");
            }
        });
    }

    /** The live session of the header's token (never the operator's): a 401 problem if there is none. */
    public Uni<SessionGrant> session(String authorization) {
        return Uni.createFrom().item(() -> tokenOf(authorization)).flatMap(this::grant);
    }

    /**
     * The live session of the header's token, for profile-service to answer another service's check
     * ({@code GET /sessions/current}): that service missed the entry, holds its lease and fills it with this answer,
     * so this read neither takes the lease nor fills (else it would wait out {@code lease-wait} for the asker's lease
     * on every cold session). A 401 problem if there is none.
     */
    public Uni<SessionGrant> sessionForAnotherService(String authorization) {
        return Uni.createFrom().item(() -> tokenOf(authorization)).flatMap(token -> {
            String tokenHash = hash(token);
            return verified(tokenHash, token, sessions.getWithoutFilling(tokenHash, () -> signedLoad(token, tokenHash)));
        });
    }

    /** The cache of sessions, for the owner of the sessions to invalidate entries through its outbox. */
    public CacheAside<SessionGrant> sessionCache() {
        return sessions;
    }

    private Uni<SessionGrant> grant(String token) {
        String tokenHash = hash(token);
        return verified(tokenHash, token, sessions.get(tokenHash, () -> signedLoad(token, tokenHash)));
    }

    private Uni<SessionGrant> signedLoad(String token, String tokenHash) {
        return load(token, tokenHash).map(grant -> grant == null ? null : signer.sign(tokenHash, grant));
    }

    /** A cached grant checked: its MAC (else dropped and loaded again) and its expiry (else a 401 problem). */
    private Uni<SessionGrant> verified(String tokenHash, String token, Uni<SessionGrant> cached) {
        return cached
                .flatMap(grant -> {
                    if (grant == null || signer.verify(tokenHash, grant)) {
                        return Uni.createFrom().item(grant);
                    }
                    forged.increment();
                    LOG.warnf("a cached session failed its MAC check and was dropped: Redis was written by someone "
                            + "without the session secret, or SESSION_SECRET differs between services");
                    return sessions.invalidate(tokenHash).flatMap(ignored -> load(token, tokenHash));
                })
                .map(grant -> {
                    // The entry's TTL ends with the session, but a read can land in its last millisecond.
                    if (grant == null || !grant.isLive()) {
                        throw ProblemException.unauthorized("the session is unknown, expired or ended");
                    }
                    return grant;
                });
    }

    private Uni<SessionGrant> load(String token, String tokenHash) {
        return Uni.createFrom().deferred(() -> source.load(token, tokenHash))
                .onFailure(failure -> !(failure instanceof ProblemException)
                        && !(failure instanceof org.eclipse.microprofile.faulttolerance.exceptions
                        .FaultToleranceException))
                .transform(failure -> {
                    LOG.warnf("sessions cannot be checked: %s", failure.toString());
                    return ProblemException.unavailable("sessions cannot be checked right now; try again shortly");
                });
    }

    private boolean isAdminToken(String token) {
        // Constant time, so that the answer's timing does not reveal how much of the token was right.
        return adminToken.map(expected -> MessageDigest.isEqual(token.getBytes(StandardCharsets.UTF_8), expected))
                .orElse(false);
    }

    private static Set<Role> roles(SessionGrant grant) {
        Set<Role> roles = EnumSet.noneOf(Role.class);
        grant.roles().stream().map(Role::fromWire).filter(Objects::nonNull).forEach(roles::add);
        return roles;
    }

    /** The token in {@code Authorization: Bearer <token>}; a 401 problem if there is none. */
    private static String tokenOf(String authorization) {
        if (authorization == null || !authorization.startsWith(BEARER) || authorization.length() > 512) {
            throw ProblemException.unauthorized("a Bearer token is required");
        }
        String token = authorization.substring(BEARER.length()).strip();
        if (token.isEmpty()) {
            throw ProblemException.unauthorized("a Bearer token is required");
        }
        return token;
    }

    /** What the session named by {@code Authorization: Bearer <token>} is stored and cached under; a 401 problem. */
    public static String tokenHashOf(String authorization) {
        return hash(tokenOf(authorization));
    }

    /** What sessions are stored and cached under: the token itself is never kept anywhere. */
    public static String hash(String token) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
