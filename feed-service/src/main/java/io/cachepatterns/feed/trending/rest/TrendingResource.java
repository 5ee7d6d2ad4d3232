package io.cachepatterns.feed.trending.rest;

import io.cachepatterns.feed.config.FeedConfig;
import io.cachepatterns.feed.trending.service.TrendingService;
import io.cachepatterns.shared.patterns.CacheRead;
import io.cachepatterns.shared.problem.Params;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.jboss.resteasy.reactive.RestQuery;
import org.jboss.resteasy.reactive.RestResponse;

/** {@code /trending}: the most-viewed products. */
@Path("/trending")
@Produces(MediaType.APPLICATION_JSON)
public class TrendingResource {

    private final TrendingService service;
    private final FeedConfig config;

    public TrendingResource(TrendingService service, FeedConfig config) {
        this.service = service;
        this.config = config;
    }

    /** {@code limit}: 1 to {@code feed.trending-size} (50), default 10. */
    @GET
    public Uni<RestResponse<TrendingView>> trending(@RestQuery String limit) {
        int count = Params.intBetween("limit", limit, 10, 1, config.trendingSize());
        return service.mostViewed().map(read -> RestResponse.ResponseBuilder.ok(TrendingView.of(read, count))
                .header(CacheRead.HEADER, read.source().name()).build());
    }
}
