package io.cachepatterns.profile.session.rest;

import io.cachepatterns.profile.session.service.Credentials;
import io.cachepatterns.profile.session.service.NewSession;
import io.cachepatterns.profile.session.service.SessionService;
import io.cachepatterns.profile.session.service.SessionView;
import io.smallrye.mutiny.Uni;
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

    public SessionResource(SessionService sessions) {
        this.sessions = sessions;
    }

    @POST
    public Uni<RestResponse<NewSession>> login(@Valid @NotNull Credentials credentials) {
        return sessions.login(credentials).map(session -> RestResponse.status(RestResponse.Status.CREATED, session));
    }

    @GET
    @Path("/current")
    public Uni<SessionView> current(@RestHeader(HttpHeaders.AUTHORIZATION) String authorization) {
        return sessions.authenticate(authorization);
    }

    @DELETE
    @Path("/current")
    public Uni<RestResponse<Void>> logout(@RestHeader(HttpHeaders.AUTHORIZATION) String authorization) {
        return sessions.logout(authorization).map(ignored -> RestResponse.noContent());
    }
}
