package io.cachepatterns.bench.report;

import io.cachepatterns.bench.FeedUpstream;
import io.cachepatterns.bench.HelperServer;
import io.cachepatterns.bench.naive.NaiveFeedServer;
import io.cachepatterns.testsupport.Servers;
import io.cachepatterns.testsupport.ServiceProcess;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * feed-service, the naive refresh-ahead and the naive plain cache-aside (refresh factor 1), each over an upstream of
 * its own (every answer 200 ms) and a Redis database of its own, all with the same feed TTL, for {@link FeedRow}.
 */
final class FeedTargets implements AutoCloseable {

    static final Duration UPSTREAM_LATENCY = Duration.ofMillis(200);
    static final Duration FEED_TTL = Duration.ofSeconds(5);
    private static final int SERVICE_PORT = 18287;
    private static final int NAIVE_PORT = 18288;
    private static final int NAIVE_CACHE_ASIDE_PORT = 18289;

    private final List<AutoCloseable> running;
    private final FeedRow.Target service;
    private final FeedRow.Target naive;
    private final FeedRow.Target naiveCacheAside;

    private FeedTargets(List<AutoCloseable> running, FeedRow.Target service, FeedRow.Target naive,
                        FeedRow.Target naiveCacheAside) {
        this.running = running;
        this.service = service;
        this.naive = naive;
        this.naiveCacheAside = naiveCacheAside;
    }

    static FeedTargets start(Path root, Servers servers, Path logs) throws Exception {
        List<AutoCloseable> running = new ArrayList<>();
        try {
            FeedUpstream serviceUpstream = FeedUpstream.start(UPSTREAM_LATENCY);
            running.add(serviceUpstream);
            Map<String, String> environment = new HashMap<>(ServiceProcess.environment(servers, SERVICE_PORT));
            environment.put("REDIS_URL", servers.redisUrl() + "/2");
            environment.put("CATALOG_URL", serviceUpstream.url());
            environment.put("METRICS_URL", serviceUpstream.url());
            environment.put("FEED_CACHE_TTL", FEED_TTL.toSeconds() + "s");
            running.add(ServiceProcess.start("feed-report", root.resolve(
                    "feed-service/target/quarkus-app/quarkus-run.jar"), environment, List.of("-Xmx256m"), logs));
            FeedRow.Target service = new FeedRow.Target(URI.create("http://127.0.0.1:" + SERVICE_PORT),
                    serviceUpstream, servers.redisUrl(), 2);
            FeedRow.Target naive = naive("naive-feed", NAIVE_PORT, 3, "0.5", servers, logs, running);
            FeedRow.Target naiveCacheAside = naive("naive-feed-cache-aside", NAIVE_CACHE_ASIDE_PORT, 4, "1",
                    servers, logs, running);
            return new FeedTargets(running, service, naive, naiveCacheAside);
        } catch (Exception e) {
            for (AutoCloseable started : running) {
                started.close();
            }
            throw e;
        }
    }

    private static FeedRow.Target naive(String name, int port, int redisDatabase, String refreshFactor,
                                        Servers servers, Path logs, List<AutoCloseable> running) throws Exception {
        FeedUpstream upstream = FeedUpstream.start(UPSTREAM_LATENCY);
        running.add(upstream);
        running.add(HelperServer.start(name, NaiveFeedServer.class, port, List.of(String.valueOf(port),
                servers.redisUrl() + "/" + redisDatabase, upstream.url(), String.valueOf(FEED_TTL.toSeconds()),
                refreshFactor), logs));
        return new FeedRow.Target(URI.create("http://127.0.0.1:" + port), upstream, servers.redisUrl(),
                redisDatabase);
    }

    FeedRow.Target service() {
        return service;
    }

    FeedRow.Target naive() {
        return naive;
    }

    FeedRow.Target naiveCacheAside() {
        return naiveCacheAside;
    }

    @Override
    public void close() throws Exception {
        for (int i = running.size() - 1; i >= 0; i--) {
            running.get(i).close();
        }
    }
}
