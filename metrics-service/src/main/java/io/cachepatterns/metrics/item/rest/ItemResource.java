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
import org.jboss.resteasy.reactive.RestHeader;
import org.jboss.resteasy.reactive.RestPath;
import org.jboss.resteasy.reactive.RestQuery;
import org.jboss.resteasy.reactive.RestResponse;

/** {@code /items}: counters written behind, answered 202 once Redis has them. */
@Path("/items")
@Produces(MediaType.APPLICATION_JSON)
public class ItemResource {

    private static final int MAX_COUNT = 1000;
    private static final int MAX_BULK = 100;
    static final String IDEMPOTENCY_KEY = "Idempotency-Key";

    private final CounterService counters;

    public ItemResource(CounterService counters) {
        this.counters = counters;
    }

    /**
     * {@code Idempotency-Key} (optional, as in the IETF httpapi draft): a retry with the same key is applied once
     * and answered as the first was, with {@code Idempotent-Replayed: true}. Without it, a retry after a 503 may
     * count twice: the write may have reached Redis just as its answer timed out.
     */
    @POST
    @Path("/{itemId}/views")
    public Uni<RestResponse<ItemCounter>> view(@RestPath String itemId, @RestQuery String count,
                                               @RestHeader(IDEMPOTENCY_KEY) String idempotencyKey) {
        return accepted(counters.add(itemId(itemId), "views", Params.intBetween("count", count, 1, 1, MAX_COUNT),
                idempotencyKey(idempotencyKey)));
    }

    @POST
    @Path("/{itemId}/likes")
    public Uni<RestResponse<ItemCounter>> like(@RestPath String itemId, @RestQuery String count,
                                               @RestHeader(IDEMPOTENCY_KEY) String idempotencyKey) {
        return accepted(counters.add(itemId(itemId), "likes", Params.intBetween("count", count, 1, 1, MAX_COUNT),
                idempotencyKey(idempotencyKey)));
    }

    /** Unlike: a like count never goes below zero. */
    @DELETE
    @Path("/{itemId}/likes")
    public Uni<RestResponse<ItemCounter>> unlike(@RestPath String itemId, @RestQuery String count,
                                                 @RestHeader(IDEMPOTENCY_KEY) String idempotencyKey) {
        return accepted(counters.add(itemId(itemId), "likes", -Params.intBetween("count", count, 1, 1, MAX_COUNT),
                idempotencyKey(idempotencyKey)));
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

    private static Uni<RestResponse<ItemCounter>> accepted(Uni<CounterService.Added> write) {
        return write.map(added -> added.replayed()
                ? RestResponse.ResponseBuilder.create(RestResponse.Status.ACCEPTED, added.counter())
                        .header("Idempotent-Replayed", "true").build()
                : RestResponse.status(RestResponse.Status.ACCEPTED, added.counter()));
    }

    /** 1 to 255 visible ASCII characters (a UUID, say); absent: no idempotency. */
    private static String idempotencyKey(String raw) {
        if (raw == null) {
            return null;
        }
        if (!raw.matches("[\\x21-\\x7E]{1,255}")) {
            throw ProblemException.badRequest(IDEMPOTENCY_KEY, "must be 1 to 255 visible ASCII characters");
        }
        return raw;
    }

    private static String itemId(String raw) {
        return Params.identifier("itemId", raw);
    }
}
