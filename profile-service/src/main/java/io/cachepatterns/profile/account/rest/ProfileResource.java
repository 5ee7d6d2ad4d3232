package io.cachepatterns.profile.account.rest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cachepatterns.profile.account.service.ProfileService;
import io.cachepatterns.profile.account.service.ProfileUpdate;
import io.cachepatterns.profile.account.service.ProfileView;
import io.cachepatterns.profile.account.service.Registration;
import io.cachepatterns.profile.account.service.RoleChange;
import io.cachepatterns.shared.auth.Authenticator;
import io.cachepatterns.shared.auth.RequiresAdmin;
import io.cachepatterns.shared.auth.Role;
import io.cachepatterns.shared.patterns.CacheRead;
import io.cachepatterns.shared.problem.Params;
import io.cachepatterns.shared.problem.ProblemException;
import io.cachepatterns.shared.ratelimit.RateLimiter;
import io.smallrye.mutiny.Uni;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
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
    private final Authenticator authenticator;
    private final RateLimiter rateLimiter;
    private final ObjectMapper mapper;

    public ProfileResource(ProfileService profiles, Authenticator authenticator, RateLimiter rateLimiter,
                           ObjectMapper mapper) {
        this.profiles = profiles;
        this.authenticator = authenticator;
        this.rateLimiter = rateLimiter;
        this.mapper = mapper;
    }

    /**
     * Anyone may register, within {@code rate-limit.register-per-address} (an admin making accounts is not limited);
     * a new profile has no roles.
     */
    @POST
    public Uni<RestResponse<ProfileView>> register(@Valid @NotNull Registration registration, UriInfo uri,
                                                   @RestHeader(HttpHeaders.AUTHORIZATION) String authorization,
                                                   HttpServerRequest request) {
        return authenticator.optional(authorization)
                .call(caller -> caller != null && caller.has(Role.ADMIN) ? Uni.createFrom().voidItem()
                        : rateLimiter.acquire("register-per-address", request.remoteAddress().hostAddress()))
                .flatMap(ignored -> profiles.register(registration)).map(created -> RestResponse.ResponseBuilder
                .<ProfileView>created(uri.getAbsolutePathBuilder().path(String.valueOf(created.id())).build())
                .entity(created)
                .tag(String.valueOf(created.version()))
                .build());
    }

    /**
     * The owner (or an admin) sees the whole profile, served from the write-through cache as stored JSON bytes;
     * anyone else its public view, without email or roles. {@code X-Cache} says HIT, MISS or DEGRADED.
     */
    @GET
    @Path("/{id}")
    public Uni<RestResponse<Buffer>> get(@RestPath String id,
                                         @RestHeader(HttpHeaders.AUTHORIZATION) String authorization) {
        long profileId = Params.id("id", id);
        return authenticator.optional(authorization).flatMap(caller -> profiles.find(profileId).map(read -> {
            if (!read.isPresent()) {
                throw ProblemException.notFound("no profile " + id);
            }
            boolean whole = caller != null && (caller.owns(profileId) || caller.has(Role.ADMIN));
            return RestResponse.ResponseBuilder.ok(whole ? read.encoded().getDelegate() : publicBytes(read.value()))
                    .header(CACHE_HEADER, read.source().name())
                    .build();
        }));
    }

    private Buffer publicBytes(ProfileView view) {
        try {
            return Buffer.buffer(mapper.writeValueAsBytes(view.publicView()));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** An admin gives a profile exactly these roles; its sessions see them at their next request. */
    @PUT
    @Path("/{id}/roles")
    @RequiresAdmin
    public Uni<ProfileView> setRoles(@RestPath String id, @Valid @NotNull RoleChange change) {
        return profiles.setRoles(Params.id("id", id), change.roleSet());
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
        return authenticator.authenticate(authorization)
                .invoke(caller -> {
                    if (!caller.owns(profileId)) {
                        throw ProblemException.forbidden("only the owner may change profile " + profileId);
                    }
                })
                .flatMap(caller -> profiles.update(profileId, expectedVersion, update))
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
