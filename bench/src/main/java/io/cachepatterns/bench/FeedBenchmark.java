package io.cachepatterns.bench;

import io.cachepatterns.testsupport.CpuPinning;
import io.cachepatterns.testsupport.ServiceProcess;
import io.cachepatterns.testsupport.Servers;
import io.cachepatterns.testsupport.StandInServer;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * The feed across TTL boundaries: feed-service with refresh-ahead next to the same service configured as plain
 * cache-aside with the same TTL, both over a stand-in upstream whose every answer takes 200 ms. Closed-loop readers
 * of {@code GET /feed} record each read's start and latency; afterwards each read is classed as near an expiry
 * boundary (within a second of the moment an entry written by a build would expire: when the build wrote it, as the
 * upstream's log shows, + TTL) or not. Printed: p50/p99 of all reads, p99 near boundaries and elsewhere, their ratio, and feed builds (and
 * upstream requests) per minute.
 *
 * <p>Arguments: repository root, seconds per target, readers, TTL seconds.
 */
public final class FeedBenchmark {

    private static final int REFRESH_AHEAD_PORT = 18484;
    private static final int CACHE_ASIDE_PORT = 18494;
    private static final Duration UPSTREAM_LATENCY = Duration.ofMillis(200);
    private static final Duration NEAR = Duration.ofSeconds(1);

    private FeedBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        Path root = Path.of(args.length > 0 ? args[0] : ".").toAbsolutePath().normalize();
        Duration run = Duration.ofSeconds(args.length > 1 ? Long.parseLong(args[1]) : 60);
        int readers = args.length > 2 ? Integer.parseInt(args[2]) : 8;
        Duration ttl = Duration.ofSeconds(args.length > 3 ? Long.parseLong(args[3]) : 5);
        Path logs = root.resolve("target/bench");
        Path jar = root.resolve("feed-service/target/quarkus-app/quarkus-run.jar");

        try (Servers servers = Servers.start();
             FeedUpstream upstream = FeedUpstream.start(UPSTREAM_LATENCY)) {
            System.out.println(CpuPinning.describe());
            System.out.printf("%d readers; GET /feed for %ds per target; TTL %ds; every upstream answer "
                            + "takes %d ms%n", readers, run.toSeconds(),
                    ttl.toSeconds(), UPSTREAM_LATENCY.toMillis());
            List<Summary> summaries = new ArrayList<>();
            // Two Redis databases, so that the two services never share a cached feed.
            summaries.add(measure("refresh-ahead", jar, servers, upstream, 0, REFRESH_AHEAD_PORT, List.of(), true,
                    run, readers, ttl, logs));
            summaries.add(measure("cache-aside, same TTL", jar, servers, upstream, 1, CACHE_ASIDE_PORT,
                    List.of("-Dcache.feed.refresh-factor=1", "-Dcache.feed.stale-grace=0s"), false, run, readers,
                    ttl, logs));

            System.out.println();
            System.out.printf("%-22s %8s %7s %7s %12s %12s %7s %12s %12s %9s %11s %13s%n", "GET /feed", "reads/s",
                    "p50 ms", "p99 ms", "p99 near ms", "p99 else ms", "ratio", "max near ms", "max else ms",
                    ">100 ms", "builds/min", "upstream/min");
            for (Summary summary : summaries) {
                System.out.printf("%-22s %8.0f %7.2f %7.2f %12.2f %12.2f %6.2fx %12.1f %12.1f %9d %11.1f %13.1f%n",
                        summary.name(), summary.readsPerSecond(), summary.p50(), summary.p99(), summary.p99Near(),
                        summary.p99Else(), summary.p99Near() / summary.p99Else(), summary.maxNear(),
                        summary.maxElse(), summary.slowReads(), summary.buildsPerMinute(),
                        summary.upstreamPerMinute());
            }
            System.out.println("near: reads that start within 1 s of an expiry boundary (a build's write + TTL);"
                    + " target with refresh-ahead: p99 near ≤ 1.2 × p99 else. >100 ms: reads that waited for a build.");
        }
    }

    private record Summary(String name, double readsPerSecond, double p50, double p99, double p99Near,
                           double p99Else, double maxNear, double maxElse, long slowReads, double buildsPerMinute,
                           double upstreamPerMinute) {
    }

    private static Summary measure(String name, Path jar, Servers servers, FeedUpstream upstream, int redisDatabase,
                                   int port, List<String> jvmArgs, boolean keepHot, Duration run, int readers,
                                   Duration ttl, Path logs) throws Exception {
        Map<String, String> env = new HashMap<>(ServiceProcess.environment(servers, port));
        env.put("REDIS_URL", servers.redisUrl() + "/" + redisDatabase);
        env.put("CATALOG_URL", upstream.url());
        env.put("METRICS_URL", upstream.url());
        env.put("FEED_CACHE_TTL", ttl.toSeconds() + "s");
        env.put("FEED_KEEP_HOT", String.valueOf(keepHot));
        List<String> jvm = new ArrayList<>(List.of("-Xmx256m"));
        jvm.addAll(jvmArgs);
        try (ServiceProcess feed = ServiceProcess.start("feed-" + port, jar, env, jvm, logs)) {
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            HttpRequest request = HttpRequest.newBuilder(feed.uri("/feed")).timeout(Duration.ofSeconds(10)).build();
            for (int i = 0; i < 200; i++) { // the first build, then a warm-up
                get(http, request);
            }

            int buildsBefore = upstream.builds().size();
            int upstreamBefore = upstream.requests();
            long start = System.nanoTime();
            long end = start + run.toNanos();
            List<long[][]> records = new ArrayList<>();
            List<Thread> threads = new ArrayList<>();
            for (int r = 0; r < readers; r++) {
                long[][] mine = new long[2][];
                records.add(mine);
                Thread thread = new Thread(() -> {
                    long[] starts = new long[1 << 16];
                    long[] latencies = new long[1 << 16];
                    int n = 0;
                    while (System.nanoTime() < end) {
                        long t = System.nanoTime();
                        get(http, request);
                        if (n == starts.length) {
                            starts = Arrays.copyOf(starts, n * 2);
                            latencies = Arrays.copyOf(latencies, n * 2);
                        }
                        starts[n] = t;
                        latencies[n++] = System.nanoTime() - t;
                    }
                    mine[0] = Arrays.copyOf(starts, n);
                    mine[1] = Arrays.copyOf(latencies, n);
                });
                thread.start();
                threads.add(thread);
            }
            for (Thread thread : threads) {
                thread.join();
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            List<Long> buildStarts = upstream.builds();
            List<Long> fills = fills(upstream, buildStarts);
            List<Long> boundaries = fills.stream().map(fill -> fill + ttl.toNanos()).toList();
            double buildMillis = IntStream.range(0, fills.size())
                    .mapToLong(i -> fills.get(i) - buildStarts.get(i)).average().orElse(Double.NaN) / 1e6;
            int builds = buildStarts.size() - buildsBefore;
            int upstreamRequests = upstream.requests() - upstreamBefore;

            List<Long> near = new ArrayList<>();
            List<Long> elsewhere = new ArrayList<>();
            List<Long> all = new ArrayList<>();
            for (long[][] mine : records) {
                for (int i = 0; i < mine[0].length; i++) {
                    long t = mine[0][i];
                    long latency = mine[1][i];
                    all.add(latency);
                    boolean isNear = boundaries.stream().anyMatch(b -> Math.abs(t - b) <= NEAR.toNanos());
                    (isNear ? near : elsewhere).add(latency);
                }
            }
            System.out.printf("%s: %d reads, %d near a boundary; a build takes %.0f ms; %d builds%n", name,
                    all.size(), near.size(), buildMillis, builds);
            long slowReads = all.stream().filter(latency -> latency > 100_000_000L).count();
            return new Summary(name, all.size() / seconds, percentile(all, 50), percentile(all, 99),
                    percentile(near, 99), percentile(elsewhere, 99), percentile(near, 100), percentile(elsewhere, 100),
                    slowReads, builds * 60 / seconds, upstreamRequests * 60 / seconds);
        }
    }

    /**
     * When each build's feed was written: its last upstream request (the counters, asked after the newest products)
     * plus the upstream's latency.
     */
    private static List<Long> fills(FeedUpstream upstream, List<Long> buildStarts) {
        List<Long> counters = upstream.server().arrivals("/items/stats").stream().map(StandInServer.Arrival::nanos)
                .toList();
        List<Long> fills = new ArrayList<>();
        for (int i = 0; i < buildStarts.size(); i++) {
            long from = buildStarts.get(i);
            long to = i + 1 < buildStarts.size() ? buildStarts.get(i + 1) : Long.MAX_VALUE;
            long last = counters.stream().filter(t -> t >= from && t < to).mapToLong(Long::longValue).max()
                    .orElse(from);
            fills.add(last + UPSTREAM_LATENCY.toNanos());
        }
        return fills;
    }

    private static double percentile(List<Long> latencies, int percentile) {
        if (latencies.isEmpty()) {
            return Double.NaN;
        }
        long[] sorted = latencies.stream().mapToLong(Long::longValue).sorted().toArray();
        int index = (int) Math.ceil(percentile / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, index)] / 1e6;
    }

    private static HttpResponse<String> get(HttpClient http, HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

}
