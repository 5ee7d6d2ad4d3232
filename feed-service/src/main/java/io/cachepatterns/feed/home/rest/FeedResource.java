package io.cachepatterns.feed.home.rest;

import io.cachepatterns.feed.home.service.FeedService;
import io.cachepatterns.shared.patterns.CacheRead;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.jboss.resteasy.reactive.RestResponse;

/** {@code /feed}: the homepage feed. */
@Path("/feed")
@Produces(MediaType.APPLICATION_JSON)
public class FeedResource {

    private final FeedService service;

    public FeedResource(FeedService service) {
        this.service = service;
    }

    /** {@code X-Cache}: HIT, MISS (first build), STALE (upstream down, past its TTL) or DEGRADED (Redis down). */
    @GET
    public Uni<RestResponse<FeedView>> feed() {
        return service.home().map(read -> RestResponse.ResponseBuilder.ok(FeedView.of(read))
                .header(CacheRead.HEADER, read.source().name()).build());
    }
}
