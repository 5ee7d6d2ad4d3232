package io.cachepatterns.metrics.item.rest;

import io.cachepatterns.metrics.item.ItemCounter;
import io.cachepatterns.metrics.item.service.CounterService;
import io.cachepatterns.shared.problem.Params;
import io.cachepatterns.shared.problem.ProblemException;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import org.jboss.resteasy.reactive.RestPath;
import org.jboss.resteasy.reactive.RestQuery;
import org.jboss.resteasy.reactive.RestResponse;

/** {@code /items}: counters written behind, answered 202 once Redis has them. */
@Path("/items")
@Produces(MediaType.APPLICATION_JSON)
public class ItemResource {

    private static final int MAX_COUNT = 1000;
    private static final int MAX_BULK = 100;

    private final CounterService counters;

    public ItemResource(CounterService counters) {
        this.counters = counters;
    }

    @POST
    @Path("/{itemId}/views")
    public Uni<RestResponse<ItemCounter>> view(@RestPath String itemId, @RestQuery String count) {
        return accepted(counters.add(itemId(itemId), "views", Params.intBetween("count", count, 1, 1, MAX_COUNT)));
    }

    @POST
    @Path("/{itemId}/likes")
    public Uni<RestResponse<ItemCounter>> like(@RestPath String itemId, @RestQuery String count) {
        return accepted(counters.add(itemId(itemId), "likes", Params.intBetween("count", count, 1, 1, MAX_COUNT)));
    }

    /** Unlike: a like count never goes below zero. */
    @DELETE
    @Path("/{itemId}/likes")
    public Uni<RestResponse<ItemCounter>> unlike(@RestPath String itemId, @RestQuery String count) {
        return accepted(counters.add(itemId(itemId), "likes", -Params.intBetween("count", count, 1, 1, MAX_COUNT)));
    }

    @GET
    @Path("/{itemId}/stats")
    public Uni<ItemCounter> stats(@RestPath String itemId) {
        return counters.stats(itemId(itemId));
    }

    /** The counters of up to 100 items at once ({@code ids=a,b,c}), in the order asked: one request for a page. */
    @GET
    @Path("/stats")
    public Uni<List<ItemCounter>> statsOf(@RestQuery String ids) {
        return counters.stats(Params.identifiers("ids", ids, MAX_BULK));
    }

    @GET
    @Path("/top")
    public Uni<List<ItemCounter>> top(@RestQuery String metric, @RestQuery String limit) {
        String by = metric == null || metric.isBlank() ? "views" : metric;
        if (!by.equals("views") && !by.equals("likes")) {
            throw ProblemException.badRequest("metric", "must be views or likes, not '" + by + "'");
        }
        return counters.top(by, Params.intBetween("limit", limit, 10, 1, 100));
    }

    private static Uni<RestResponse<ItemCounter>> accepted(Uni<ItemCounter> write) {
        return write.map(values -> RestResponse.status(RestResponse.Status.ACCEPTED, values));
    }

    private static String itemId(String raw) {
        return Params.identifier("itemId", raw);
    }
}
