package io.cachepatterns.metrics.item.rest;

import io.cachepatterns.metrics.item.ItemCounter;
import io.cachepatterns.metrics.item.service.CounterService;
import io.cachepatterns.shared.auth.Authenticator;
import io.cachepatterns.shared.auth.Caller;
import io.cachepatterns.shared.problem.Params;
import io.cachepatterns.shared.problem.ProblemException;
import io.cachepatterns.shared.ratelimit.RateLimiter;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerRequest;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import java.util.regex.Pattern;
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
    private static final Pattern VISIBLE_ASCII = Pattern.compile("[\\x21-\\x7E]{1,255}");

    private final CounterService counters;
    private final Authenticator authenticator;
    private final RateLimiter rateLimiter;

    public ItemResource(CounterService counters, Authenticator authenticator, RateLimiter rateLimiter) {
        this.counters = counters;
        this.authenticator = authenticator;
        this.rateLimiter = rateLimiter;
    }

    /**
     * Counts a view; anyone may, one per request, within {@code rate-limit.views-per-client} per client address. A
     * trusted caller (the {@code service} role: a server reporting views in bulk) may send {@code count} up to 1000
     * and is not rate-limited.
     *
     * <p>{@code Idempotency-Key} (optional, as in the IETF httpapi draft): a retry with the same key is applied once
     * and answered as the first was, with {@code Idempotent-Replayed: true}. Without it, a retry after a 503 may
     * count twice: the write may have reached Redis just as its answer timed out.
     */
    @POST
    @Path("/{itemId}/views")
    public Uni<RestResponse<ItemCounter>> view(@RestPath String itemId, @RestQuery String count,
                                               @RestHeader(IDEMPOTENCY_KEY) String idempotencyKey,
                                               @RestHeader(HttpHeaders.AUTHORIZATION) String authorization,
                                               HttpServerRequest request) {
        String item = itemId(itemId);
        int by = Params.intBetween("count", count, 1, 1, MAX_COUNT);
        String key = idempotencyKey(idempotencyKey);
        return authenticator.optional(authorization)
                .call(caller -> {
                    if (caller != null && caller.trusted()) {
                        return Uni.createFrom().voidItem();
                    }
                    if (by > 1) {
                        throw caller == null
                                ? ProblemException.unauthorized("count > 1 needs a trusted caller's token")
                                : ProblemException.forbidden("count > 1 needs the role 'service'");
                    }
                    return rateLimiter.acquire("views-per-client", request.remoteAddress().hostAddress());
                })
                .flatMap(caller -> accepted(counters.add(item, "views", by, key)));
    }

    /** The signed-in user likes the item: once, however often asked. */
    @POST
    @Path("/{itemId}/likes")
    public Uni<RestResponse<ItemCounter>> like(@RestPath String itemId,
                                               @RestHeader(HttpHeaders.AUTHORIZATION) String authorization) {
        return setLike(itemId(itemId), authorization, true);
    }

    /** The signed-in user no longer likes the item: takes away their own like, if they had one, and no other. */
    @DELETE
    @Path("/{itemId}/likes")
    public Uni<RestResponse<ItemCounter>> unlike(@RestPath String itemId,
                                                 @RestHeader(HttpHeaders.AUTHORIZATION) String authorization) {
        return setLike(itemId(itemId), authorization, false);
    }

    /** Whether the signed-in user likes the item. */
    @GET
    @Path("/{itemId}/likes/mine")
    public Uni<MyLike> myLike(@RestPath String itemId, @RestHeader(HttpHeaders.AUTHORIZATION) String authorization) {
        String item = itemId(itemId);
        return signedIn(authorization).flatMap(caller -> counters.likes(item, caller.profileId()))
                .map(MyLike::new);
    }

    /** Whether the caller likes an item. */
    public record MyLike(boolean liked) {
    }

    private Uni<RestResponse<ItemCounter>> setLike(String item, String authorization, boolean liked) {
        return signedIn(authorization)
                .flatMap(caller -> counters.setLike(item, caller.profileId(), liked))
                .map(counter -> RestResponse.status(RestResponse.Status.ACCEPTED, counter));
    }

    private Uni<Caller> signedIn(String authorization) {
        return authenticator.authenticate(authorization).invoke(caller -> {
            if (caller.operator()) {
                throw ProblemException.forbidden("likes are a signed-in user's own; the operator has none");
            }
        });
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
        if (!VISIBLE_ASCII.matcher(raw).matches()) {
            throw ProblemException.badRequest(IDEMPOTENCY_KEY, "must be 1 to 255 visible ASCII characters");
        }
        return raw;
    }

    private static String itemId(String raw) {
        return Params.identifier("itemId", raw);
    }
}
