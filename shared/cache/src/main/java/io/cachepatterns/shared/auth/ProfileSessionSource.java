package io.cachepatterns.shared.auth;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cachepatterns.shared.problem.ProblemException;
import io.quarkus.arc.DefaultBean;
import io.smallrye.faulttolerance.api.CircuitBreakerName;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.core.http.HttpClient;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.net.URI;
import org.eclipse.microprofile.faulttolerance.CircuitBreaker;
import org.eclipse.microprofile.faulttolerance.Retry;

/**
 * Asks profile-service ({@code GET /sessions/current} with the caller's token) about a session Redis does not hold.
 * Its answer is cached by {@link Authenticator}, so profile-service sees one request per session per cache lifetime.
 *
 * <p>Fault tolerance: a bounded wait, one retry (a connection cut by a restarting instance, say), and a circuit
 * breaker named {@code profile-sessions}, so that a profile-service outage costs callers a fast 503 instead of a slow
 * one. A token already cached keeps working meanwhile.
 */
@DefaultBean
@ApplicationScoped
public class ProfileSessionSource implements SessionSource {

    private final HttpClient client;
    private final String host;
    private final int port;
    /** The path of {@code GET /sessions/current} under {@code PROFILE_URL}. */
    private final String currentSession;
    private final AuthConfig config;
    private final ObjectMapper mapper;

    public ProfileSessionSource(Vertx vertx, AuthConfig config, ObjectMapper mapper) {
        URI profile = URI.create(config.profileUrl());
        boolean https = "https".equals(profile.getScheme());
        this.host = profile.getHost();
        this.port = profile.getPort() > 0 ? profile.getPort() : https ? 443 : 80;
        this.currentSession = (profile.getPath() == null ? "" : profile.getPath().replaceAll("/$", ""))
                + "/sessions/current";
        this.config = config;
        this.mapper = mapper.copy().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
        this.client = vertx.createHttpClient(new HttpClientOptions()
                .setSsl(https)
                .setConnectTimeout((int) config.profileTimeout().toMillis()));
    }

    @Override
    @CircuitBreaker(requestVolumeThreshold = 10, failureRatio = 0.5, delay = 2000,
            skipOn = ProblemException.class)
    @CircuitBreakerName("profile-sessions")
    @Retry(maxRetries = 1, delay = 50, abortOn = ProblemException.class)
    public Uni<SessionGrant> load(String token, String tokenHash) {
        RequestOptions request = new RequestOptions()
                .setMethod(HttpMethod.GET)
                .setHost(host)
                .setPort(port)
                .setURI(currentSession)
                .putHeader("Authorization", "Bearer " + token)
                .putHeader("Accept", "application/json")
                .setTimeout(config.profileTimeout().toMillis());
        return client.request(request)
                .flatMap(sent -> sent.send())
                .flatMap(response -> response.body().map(body -> {
                    if (response.statusCode() == 401) {
                        return null; // unknown, expired or ended: not a failure, and cached as absent briefly
                    }
                    if (response.statusCode() != 200) {
                        throw new IllegalStateException("profile-service answered " + response.statusCode());
                    }
                    try {
                        return mapper.readValue(body.getBytes(), SessionGrant.class).withMac(null);
                    } catch (IOException e) {
                        throw new IllegalStateException("profile-service's session cannot be read", e);
                    }
                }));
    }
}
