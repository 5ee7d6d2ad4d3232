package io.cachepatterns.profile.account.rest;

import io.cachepatterns.profile.account.service.ProfileService;
import io.cachepatterns.profile.account.service.ProfileUpdate;
import io.cachepatterns.profile.account.service.ProfileView;
import io.cachepatterns.profile.account.service.Registration;
import io.cachepatterns.profile.session.service.SessionService;
import io.cachepatterns.shared.patterns.CacheRead;
import io.cachepatterns.shared.problem.Params;
import io.cachepatterns.shared.problem.ProblemException;
import io.smallrye.mutiny.Uni;
import io.vertx.core.buffer.Buffer;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.UriInfo;
import org.jboss.resteasy.reactive.RestHeader;
import org.jboss.resteasy.reactive.RestPath;
import org.jboss.resteasy.reactive.RestResponse;

/** {@code /profiles}: register, read, and (the owner only) update. */
@Path("/profiles")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class ProfileResource {

    public static final String CACHE_HEADER = CacheRead.HEADER;

    private final ProfileService profiles;
    private final SessionService sessions;

    public ProfileResource(ProfileService profiles, SessionService sessions) {
        this.profiles = profiles;
        this.sessions = sessions;
    }

    @POST
    public Uni<RestResponse<ProfileView>> register(@Valid @NotNull Registration registration, UriInfo uri) {
        return profiles.register(registration).map(created -> RestResponse.ResponseBuilder
                .<ProfileView>created(uri.getAbsolutePathBuilder().path(String.valueOf(created.id())).build())
                .entity(created)
                .tag(String.valueOf(created.version()))
                .build());
    }

    /** Served from the write-through cache as stored JSON bytes; {@code X-Cache} says HIT, MISS or DEGRADED. */
    @GET
    @Path("/{id}")
    public Uni<RestResponse<Buffer>> get(@RestPath String id) {
        return profiles.find(Params.id("id", id)).map(read -> {
            if (!read.isPresent()) {
                throw ProblemException.notFound("no profile " + id);
            }
            return RestResponse.ResponseBuilder.ok(read.encoded().getDelegate())
                    .header(CACHE_HEADER, read.source().name())
                    .build();
        });
    }

    /**
     * The owner's update. {@code Authorization: Bearer <token>} is required (401 without, 403 for someone else's
     * profile); {@code If-Match: "<version>"} makes it conditional (412 when the profile has moved on).
     */
    @PUT
    @Path("/{id}")
    public Uni<RestResponse<ProfileView>> update(@RestPath String id,
                                                 @RestHeader(HttpHeaders.AUTHORIZATION) String authorization,
                                                 @RestHeader(HttpHeaders.IF_MATCH) String ifMatch,
                                                 @Valid @NotNull ProfileUpdate update) {
        long profileId = Params.id("id", id);
        Long expectedVersion = versionOf(ifMatch);
        return sessions.authenticate(authorization)
                .invoke(session -> {
                    if (session.profileId() != profileId) {
                        throw ProblemException.forbidden("only the owner may change profile " + profileId);
                    }
                })
                .flatMap(session -> profiles.update(profileId, expectedVersion, update))
                .map(updated -> RestResponse.ResponseBuilder.ok(updated).tag(String.valueOf(updated.version()))
                        .build());
    }

    /** {@code "3"}, {@code W/"3"} or {@code 3}; {@code null} when there is no header. */
    private static Long versionOf(String ifMatch) {
        if (ifMatch == null || ifMatch.isBlank()) {
            return null;
        }
        String bare = ifMatch.strip().replaceFirst("^W/", "").replace("\"", "");
        try {
            return Long.parseLong(bare);
        } catch (NumberFormatException e) {
            throw ProblemException.badRequest("If-Match", "must be a version such as \"3\", not '" + ifMatch + "'");
        }
    }
}
