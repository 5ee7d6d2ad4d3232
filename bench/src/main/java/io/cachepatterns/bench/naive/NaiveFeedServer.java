package io.cachepatterns.bench.naive;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import java.net.URI;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The seed's refresh-ahead and read-through, transposed to Java as they are usually written, as the report's
 * baselines for feed-service. The feed: a read gets the cached feed and its remaining TTL; a miss builds it (the
 * newest products, then their counters: two upstream calls) and sets it with the TTL; a hit whose remaining TTL is
 * below half rebuilds it in the background. No lock and no single flight: every concurrent miss builds, and every hit
 * in the refresh window starts a rebuild of its own. With refresh factor 1 it is plain cache-aside with a TTL. A
 * summary: check, miss, one upstream call, set — every concurrent miss calls.
 *
 * <p>Arguments: port, Redis URL, upstream URL (catalog and metrics), TTL seconds, refresh factor (0.5, or 1: never
 * early).
 */
public final class NaiveFeedServer extends NaiveServer {

    private static final String FEED_KEY = "naive:feed";
    private static final String SUMMARY_PREFIX = "naive:summary:";

    private final URI upstream;
    private final long ttlMillis;
    private final double refreshFactor;
    private HttpClient web;

    private NaiveFeedServer(Settings settings, URI upstream, long ttlMillis, double refreshFactor) {
        super(settings);
        this.upstream = upstream;
        this.ttlMillis = ttlMillis;
        this.refreshFactor = refreshFactor;
    }

    public static void main(String[] args) {
        Settings settings = new Settings(Integer.parseInt(args[0]), args[1], null);
        URI upstream = URI.create(args[2]);
        long ttlMillis = Long.parseLong(args[3]) * 1000;
        double refreshFactor = Double.parseDouble(args[4]);
        deploy("naive feed", settings, () -> new NaiveFeedServer(settings, upstream, ttlMillis, refreshFactor));
    }

    @Override
    public void start() {
        super.start();
        // A bounded client, as a sane default: 20 connections to the upstream and 100 requests waiting; more fail
        // at once (a background rebuild then simply does not happen, a miss answers 503).
        web = vertx.createHttpClient(new HttpClientOptions(), new PoolOptions().setHttp1MaxSize(20)
                .setMaxWaitQueueSize(100));
    }

    @Override
    protected void handle(HttpServerRequest request) {
        String path = request.path();
        if (path.equals("/feed")) {
            feed(request);
        } else {
            String id = path.substring("/summaries/".length());
            answer(request, checkMissLoadSet(SUMMARY_PREFIX + id, 300, () -> get("/products?ids=" + id).map(page -> {
                JsonArray items = page.toJsonObject().getJsonArray("items");
                return items.isEmpty() ? null : items.getJsonObject(0).encode();
            })));
        }
    }

    /** Get with the remaining TTL; a miss builds and sets; a hit late in its TTL rebuilds in the background. */
    private void feed(HttpServerRequest request) {
        redis.batch(List.of(Request.cmd(Command.GET).arg(FEED_KEY), Request.cmd(Command.PTTL).arg(FEED_KEY)))
                .onComplete(cached -> {
                    if (cached.succeeded() && cached.result().get(0) != null) {
                        long remaining = cached.result().get(1).toLong();
                        if (remaining < ttlMillis * (1 - refreshFactor)) {
                            buildFeed(); // in the background, no lock: each such hit starts one
                        }
                        answer(request, 200, "HIT", cached.result().get(0).toString());
                        return;
                    }
                    buildFeed().onComplete(built -> answer(request, built.succeeded() ? 200 : 503, "MISS",
                            built.succeeded() ? built.result() : "{}"));
                });
    }

    private Future<String> buildFeed() {
        return get("/products?sort=newest&size=20").compose(page -> {
            JsonArray items = page.toJsonObject().getJsonArray("items");
            String ids = items.stream().map(item -> String.valueOf(((JsonObject) item).getValue("id")))
                    .collect(Collectors.joining(","));
            return get("/items/stats?ids=" + ids).map(stats -> {
                JsonArray counters = stats.toJsonArray();
                JsonArray feed = new JsonArray();
                for (int i = 0; i < items.size(); i++) {
                    feed.add(new JsonObject().put("product", items.getJsonObject(i))
                            .put("views", i < counters.size() ? counters.getJsonObject(i).getLong("views") : 0));
                }
                return new JsonObject().put("items", feed).put("generatedAt", java.time.Instant.now().toString())
                        .encode();
            });
        }).compose(json -> redis.send(Request.cmd(Command.SET).arg(FEED_KEY).arg(json).arg("PX").arg(ttlMillis))
                .map(json));
    }

    private Future<Buffer> get(String pathAndQuery) {
        return web.request(HttpMethod.GET, upstream.getPort(), upstream.getHost(), pathAndQuery)
                .compose(request -> request.send())
                .compose(response -> response.statusCode() == 200 ? response.body()
                        : Future.failedFuture("upstream answered " + response.statusCode()));
    }

}
