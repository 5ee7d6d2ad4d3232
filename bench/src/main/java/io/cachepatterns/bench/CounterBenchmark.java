package io.cachepatterns.bench;

import io.cachepatterns.testsupport.CpuPinning;
import io.cachepatterns.testsupport.Servers;
import io.cachepatterns.testsupport.ServiceProcess;
import io.vertx.core.http.HttpMethod;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Acknowledged increments per second: metrics-service with write-behind next to the same service writing each
 * increment straight to PostgreSQL, on one hot item (the target's case) and spread over many items; and, spread, the
 * limit server answering after one Redis command (the most any write acknowledged after Redis can do on this core).
 * Then, from the write-behind service's own metrics: database statements per 10 000 increments of one item, and the
 * flush lag's p99 (from acknowledgement to commit).
 *
 * <p>Arguments: repository root, seconds per target, connections.
 */
public final class CounterBenchmark {

    private static final int WRITE_BEHIND_PORT = 18283;
    private static final int DIRECT_PORT = 18293;
    private static final int LIMIT_PORT = 18299;
    private static final Duration WRITE_DELAY = Duration.ofSeconds(1);
    private static final int SPREAD_ITEMS = 10_000;

    private CounterBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        Path root = Path.of(args.length > 0 ? args[0] : ".").toAbsolutePath().normalize();
        Duration run = Duration.ofSeconds(args.length > 1 ? Long.parseLong(args[1]) : 15);
        int connections = args.length > 2 ? Integer.parseInt(args[2]) : 32;
        Path logs = root.resolve("target/bench");
        Path jar = root.resolve("metrics-service/target/quarkus-app/quarkus-run.jar");

        try (Servers servers = Servers.start()) {
            servers.createDatabase("metrics");
            Map<String, String> behindEnv = new HashMap<>(ServiceProcess.environment(servers, "metrics",
                    WRITE_BEHIND_PORT));
            behindEnv.put("COUNTERS_WRITE_DELAY", WRITE_DELAY.toMillis() + "ms");
            Map<String, String> directEnv = new HashMap<>(ServiceProcess.environment(servers, "metrics", DIRECT_PORT));
            directEnv.put("COUNTERS_WRITE_BEHIND", "false");
            List<String> behindJvm = new java.util.ArrayList<>(List.of("-Xmx512m"));
            if (System.getenv("BENCH_PROFILE") != null) {
                // A CPU profile of the write-behind service, for `jfr print --events jdk.ExecutionSample`.
                behindJvm.add("-XX:StartFlightRecording=filename=" + logs.resolve("metrics-write-behind.jfr")
                        + ",settings=profile");
            }
            try (ServiceProcess behind = ServiceProcess.start("metrics-write-behind", jar, behindEnv, behindJvm,
                         logs);
                 ServiceProcess direct = ServiceProcess.start("metrics-direct", jar, directEnv, List.of("-Xmx512m"),
                         logs);
                 HelperServer limit = HelperServer.start("limit-server", LimitServer.class, LIMIT_PORT, List.of(
                         String.valueOf(LIMIT_PORT), servers.redisUrl(), "unused:"), logs)) {
                io.vertx.core.Vertx vertx = io.vertx.core.Vertx.vertx(new io.vertx.core.VertxOptions()
                        .setEventLoopPoolSize(1));
                try {
                    // As a trusted caller (a server reporting views): anonymous views are rate-limited per address.
                    LoadGenerator load = new LoadGenerator(vertx, connections, HttpMethod.POST, 202,
                            "Bearer " + ServiceProcess.LOCAL_ADMIN_TOKEN);
                    System.out.println(CpuPinning.describe());
                    System.out.printf("%d connections; POST /items/{id}/views, %ds per target after a"
                            + " 5 s warm-up; write delay %d ms%n", connections, run.toSeconds(), WRITE_DELAY.toMillis());
                    Duration warmUp = Duration.ofSeconds(5);
                    LoadGenerator.Result writeBehind = load.run("write-behind (202 after Redis)", WRITE_BEHIND_PORT,
                            "/items/hot-behind/views", warmUp, run);
                    // Let the flusher catch up, then read what it did for the hot item, before other load adds to the
                    // same metrics. The stats answer counts warm-up too.
                    long written = views(behind.uri("/items/hot-behind/stats"));
                    awaitViews(servers, "hot-behind", written, Duration.ofSeconds(60));
                    Map<String, Double> metrics = prometheus(behind.uri("/q/metrics"));
                    double statements = metrics.getOrDefault("db_statements_total{statement=\"counter-batch\"}", 0.0);
                    double lagP99 = metrics.entrySet().stream()
                            .filter(e -> e.getKey().startsWith("write_behind_flush_lag_seconds{")
                                    && e.getKey().contains("cache=\"counters\"") && e.getKey().contains("0.99"))
                            .mapToDouble(Map.Entry::getValue).findFirst().orElse(Double.NaN);

                    LoadGenerator.Result directly = load.run("direct database update", DIRECT_PORT,
                            "/items/hot-direct/views", warmUp, run);
                    // The same over many items, so that two writes to one item seldom meet: what write-behind
                    // does without its group commit's help, next to the database without contention on one row.
                    LoadGenerator.Result spreadBehind = load.run("write-behind, " + SPREAD_ITEMS + " items",
                            WRITE_BEHIND_PORT, spread("behind"), warmUp, run);
                    LoadGenerator.Result spreadDirectly = load.run("direct update, " + SPREAD_ITEMS + " items",
                            DIRECT_PORT, spread("direct"), warmUp, run);
                    LoadGenerator.Result spreadLimit = load.run("limit server, " + SPREAD_ITEMS + " items",
                            LIMIT_PORT, spread("limit"), warmUp, run);

                    System.out.println();
                    System.out.printf("%-34s %16s %10s %10s%n", "POST /items/{id}/views", "acknowledged/s",
                            "p50 ms", "p99 ms");
                    print(writeBehind);
                    print(directly);
                    print(spreadBehind);
                    print(spreadDirectly);
                    print(spreadLimit);
                    double ratio = writeBehind.requestsPerSecond() / directly.requestsPerSecond();
                    double per10k = statements / written * 10_000;
                    System.out.printf("%nwrite-behind / direct, one hot item: %.1fx (target >= 10x: %s)%n", ratio,
                            ratio >= 10 ? "MET" : "NOT MET");
                    double spreadRatio = spreadBehind.requestsPerSecond() / spreadDirectly.requestsPerSecond();
                    System.out.printf("write-behind / direct, %d items: %.1fx (target >= 5x, pinned: %s)%n",
                            SPREAD_ITEMS, spreadRatio, spreadRatio >= 5 ? "MET" : "NOT MET");
                    System.out.printf("  the limit server (Vert.x + 1 HINCRBY, nothing else) / direct: %.1fx, the most"
                            + " any write acknowledged after Redis reaches here; write-behind is %.2fx the limit"
                            + " server%n",
                            spreadLimit.requestsPerSecond() / spreadDirectly.requestsPerSecond(),
                            spreadBehind.requestsPerSecond() / spreadLimit.requestsPerSecond());
                    System.out.printf("database statements per 10 000 increments of one item: %.2f"
                            + " (%.0f statements for %d increments; target <= 10: %s)%n",
                            per10k, statements, written, per10k <= 10 ? "MET" : "NOT MET");
                    System.out.printf("flush lag p99: %.0f ms, %.2fx the write delay (target <= 2x: %s)%n",
                            lagP99 * 1000, lagP99 / (WRITE_DELAY.toMillis() / 1000.0),
                            lagP99 <= 2 * WRITE_DELAY.toMillis() / 1000.0 ? "MET" : "NOT MET");
                } finally {
                    vertx.close();
                }
            }
        }
    }

    /** Paths to items picked at random among {@link #SPREAD_ITEMS}. */
    private static java.util.function.Supplier<String> spread(String prefix) {
        return () -> "/items/" + prefix + "-" + java.util.concurrent.ThreadLocalRandom.current().nextInt(SPREAD_ITEMS)
                + "/views";
    }

    private static void print(LoadGenerator.Result result) {
        System.out.printf("%-34s %16.0f %10.2f %10.2f%n", result.target(), result.requestsPerSecond(),
                result.p50Millis(), result.p99Millis());
    }

    private static long views(URI stats) throws Exception {
        String body = HttpClient.newHttpClient().send(HttpRequest.newBuilder(stats).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        Matcher views = Pattern.compile("\"views\":(\\d+)").matcher(body);
        if (!views.find()) {
            throw new IllegalStateException("no views in " + body);
        }
        return Long.parseLong(views.group(1));
    }

    private static void awaitViews(Servers servers, String itemId, long expected, Duration limit) throws Exception {
        var db = servers.postgres();
        long deadline = System.nanoTime() + limit.toNanos();
        try (Connection connection = DriverManager.getConnection(db.jdbcUrl("metrics"), db.user(), db.password());
             PreparedStatement select = connection.prepareStatement(
                     "SELECT views FROM item_counter WHERE item_id = ?")) {
            select.setString(1, itemId);
            while (System.nanoTime() < deadline) {
                try (ResultSet rows = select.executeQuery()) {
                    if (rows.next() && rows.getLong(1) >= expected) {
                        return;
                    }
                }
                Thread.sleep(100);
            }
        }
        throw new IllegalStateException("the database did not catch up with " + expected + " views of " + itemId);
    }

    /** The samples of a Prometheus text page, by name and labels. */
    private static Map<String, Double> prometheus(URI uri) throws Exception {
        String page = HttpClient.newHttpClient().send(HttpRequest.newBuilder(uri).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        Map<String, Double> samples = new HashMap<>();
        Matcher line = Pattern.compile("^([a-z_]+(?:\\{[^}]*\\})?) ([0-9.eE+-]+|NaN)$", Pattern.MULTILINE)
                .matcher(page);
        while (line.find()) {
            samples.put(line.group(1).replace(",}", "}"), Double.parseDouble(line.group(2)));
        }
        return samples;
    }
}
