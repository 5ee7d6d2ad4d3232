package io.cachepatterns.testsupport;

import java.security.SecureRandom;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * A stand-in for profile-service's session endpoint ({@code GET /sessions/current}), for tests of the other services:
 * {@link #signIn} makes a token the way a login would, {@link #signOut} ends it. One per JVM, started by
 * {@link RealServersResource}, which points {@code auth.profile-url} at it.
 */
public final class StandInProfiles {

    /** The operator's {@code Authorization} in the test profile ({@code %test.auth.admin-token}): an admin. */
    public static final String OPERATOR = "Bearer test-admin-token";

    private static final SecureRandom RANDOM = new SecureRandom();
    private static volatile StandInProfiles shared;

    private record Grant(long profileId, List<String> roles, Instant expiresAt) {
    }

    private final Map<String, Grant> sessions = new ConcurrentHashMap<>();
    private final StandInServer server;

    private StandInProfiles() {
        server = StandInServer.start(Map.of("/sessions/current", request -> {
            String authorization = request.header("Authorization");
            Grant grant = authorization == null || !authorization.startsWith("Bearer ") ? null
                    : sessions.get(authorization.substring("Bearer ".length()));
            if (grant == null || grant.expiresAt().isBefore(Instant.now())) {
                return new StandInServer.Reply(401, "{\"title\":\"Unauthorized\",\"status\":401}");
            }
            return StandInServer.Reply.ok("{\"profileId\":" + grant.profileId() + ",\"roles\":["
                    + grant.roles().stream().map(role -> "\"" + role + "\"").collect(Collectors.joining(","))
                    + "],\"expiresAt\":\"" + grant.expiresAt() + "\"}");
        }));
    }

    public static synchronized StandInProfiles get() {
        if (shared == null) {
            shared = new StandInProfiles();
        }
        return shared;
    }

    public String url() {
        return server.url();
    }

    /** A new session of {@code profileId} with {@code roles}, for an hour: the token, as a login answers it. */
    public String signIn(long profileId, String... roles) {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        String token = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        sessions.put(token, new Grant(profileId, List.of(roles), Instant.now().plusSeconds(3600)));
        return token;
    }

    /** {@code Authorization} header value for a new session. */
    public String bearer(long profileId, String... roles) {
        return "Bearer " + signIn(profileId, roles);
    }

    /** Ends a session here (the cached copy lives on until invalidated, as after a logout that Redis missed). */
    public void signOut(String token) {
        sessions.remove(token);
    }

    /** While down, profile-service answers every session lookup with a 503. */
    public void down(boolean isDown) {
        server.down(isDown);
    }

    /** Requests that reached the stand-in: each is a session that Redis did not hold. */
    public int lookups() {
        return server.requests("/sessions/current");
    }
}
