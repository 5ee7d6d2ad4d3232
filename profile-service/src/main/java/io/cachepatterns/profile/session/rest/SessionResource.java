package io.cachepatterns.profile.session.rest;

import io.cachepatterns.profile.session.service.Credentials;
import io.cachepatterns.profile.session.service.NewSession;
import io.cachepatterns.profile.session.service.SessionService;
import io.cachepatterns.profile.session.service.SessionView;
import io.cachepatterns.shared.ratelimit.RateLimiter;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerRequest;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import org.jboss.resteasy.reactive.RestHeader;
import org.jboss.resteasy.reactive.RestResponse;

/** {@code /sessions}: log in, see the current session, log out. */
@Path("/sessions")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class SessionResource {

    private final SessionService sessions;
    private final RateLimiter rateLimiter;

    public SessionResource(SessionService sessions, RateLimiter rateLimiter) {
        this.sessions = sessions;
        this.rateLimiter = rateLimiter;
    }

    /**
     * Logs in: within {@code rate-limit.login-per-user} per username and {@code rate-limit.login-per-address} per
     * client address, counted before the password is checked (each check costs a bcrypt), so a guesser is slowed
     * whether the guesses are right or wrong.
     */
    @POST
    public Uni<RestResponse<NewSession>> login(@Valid @NotNull Credentials credentials, HttpServerRequest request) {
        return rateLimiter.acquire("login-per-address", request.remoteAddress().hostAddress())
                .flatMap(ignored -> rateLimiter.acquire("login-per-user", credentials.username()))
                .flatMap(ignored -> sessions.login(credentials))
                .map(session -> RestResponse.status(RestResponse.Status.CREATED, session));
    }

    /** Who the token belongs to, with which roles, until when: how the other services check a token. */
    @GET
    @Path("/current")
    public Uni<SessionView> current(@RestHeader(HttpHeaders.AUTHORIZATION) String authorization) {
        return sessions.current(authorization);
    }

    @DELETE
    @Path("/current")
    public Uni<RestResponse<Void>> logout(@RestHeader(HttpHeaders.AUTHORIZATION) String authorization) {
        return sessions.logout(authorization).map(ignored -> RestResponse.noContent());
    }
}
