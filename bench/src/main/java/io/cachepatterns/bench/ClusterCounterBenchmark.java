package io.cachepatterns.bench;

import io.cachepatterns.testsupport.CpuPinning;
import io.cachepatterns.testsupport.RedisCli;
import io.cachepatterns.testsupport.Servers;
import io.cachepatterns.testsupport.ServiceProcess;
import io.vertx.core.http.HttpMethod;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Write-behind over many items on one Redis and on a Redis Cluster of 3 primaries (and 3 replicas): acknowledged
 * increments per second, latency, and the busiest primary's share of the commands, with the log in one hash tag
 * ({@code log-partitions=1}: all of it on one primary) and split in three ({@code log-partitions=3}); then the cost
 * of {@code replica-acks=1} (an increment answered once a replica has it).
 *
 * <p>Each variant is a fresh metrics-service, pinned alone to its core like every benchmarked server. On a machine of
 * two cores that core, not Redis, is the bottleneck: the share of commands says what the partitions buy a Redis
 * that is.
 *
 * <p>Each variant is warmed up first (20 s by default) over the same items, so that the measured increments find
 * their values cached and the JIT warm: the first increment of an item loads it from the database.
 *
 * <p>Arguments: repository root, seconds per variant, connections, warm-up seconds.
 */
public final class ClusterCounterBenchmark {

    private static final int ITEMS = 10_000;
    private static final Pattern CALLS = Pattern.compile("cmdstat_[a-z|]+:calls=(\\d+)");

    private ClusterCounterBenchmark() {
    }

    private record Variant(String name, Servers servers, int partitions, int replicaAcks) {
    }

    public static void main(String[] args) throws Exception {
        Path root = Path.of(args.length > 0 ? args[0] : ".").toAbsolutePath().normalize();
        Duration run = Duration.ofSeconds(args.length > 1 ? Long.parseLong(args[1]) : 15);
        int connections = args.length > 2 ? Integer.parseInt(args[2]) : 32;
        Duration warmUp = Duration.ofSeconds(args.length > 3 ? Long.parseLong(args[3]) : 20);
        Path logs = root.resolve("target/bench");
        Path jar = root.resolve("metrics-service/target/quarkus-app/quarkus-run.jar");

        try (Servers single = Servers.startProcesses("standalone");
             Servers cluster = Servers.startProcesses("cluster")) {
            single.createDatabase("metrics");
            cluster.createDatabase("metrics");
            List<Variant> variants = List.of(
                    new Variant("1 Redis", single, 1, 0),
                    new Variant("cluster, log-partitions=1", cluster, 1, 0),
                    new Variant("cluster, log-partitions=3", cluster, 3, 0),
                    new Variant("cluster, 3, replica-acks=1", cluster, 3, 1));
            io.vertx.core.Vertx vertx = io.vertx.core.Vertx.vertx(new io.vertx.core.VertxOptions()
                    .setEventLoopPoolSize(1));
            List<String> lines = new ArrayList<>();
            try {
                System.out.println(CpuPinning.describe());
                System.out.printf("%d connections; POST /items/{one of %d}/views, %ds per variant after a %d s"
                        + " warm-up%n", connections, ITEMS, run.toSeconds(), warmUp.toSeconds());
                double base = 0;
                for (Variant variant : variants) {
                    int port = ServiceProcess.freePort();
                    Map<String, String> environment = new HashMap<>(ServiceProcess.environment(variant.servers(),
                            "metrics", port));
                    environment.put("CACHE_COUNTERS_LOG_PARTITIONS", String.valueOf(variant.partitions()));
                    environment.put("CACHE_COUNTERS_REPLICA_ACKS", String.valueOf(variant.replicaAcks()));
                    try (ServiceProcess metrics = ServiceProcess.start("metrics-" + variant.servers().redisClientType()
                            + "-" + variant.partitions() + "-" + variant.replicaAcks(), jar, environment, List.of("-Xmx512m"), logs)) {
                        LoadGenerator load = new LoadGenerator(vertx, connections, HttpMethod.POST, 202,
                                "Bearer " + ServiceProcess.LOCAL_ADMIN_TOKEN);
                        String prefix = "p" + variant.partitions() + "a" + variant.replicaAcks() + "-";
                        Map<String, Long> before = commandsPerPrimary(variant.servers());
                        LoadGenerator.Result result = load.run(variant.name(), port, () -> "/items/" + prefix
                                        + ThreadLocalRandom.current().nextInt(ITEMS) + "/views",
                                warmUp, run);
                        Map<String, Long> after = commandsPerPrimary(variant.servers());
                        long total = 0;
                        long busiest = 0;
                        for (var entry : after.entrySet()) {
                            long calls = entry.getValue() - before.getOrDefault(entry.getKey(), 0L);
                            total += calls;
                            busiest = Math.max(busiest, calls);
                        }
                        if (base == 0) {
                            base = result.requestsPerSecond();
                        }
                        lines.add(String.format("%-30s %14.0f %7.2fx %9.2f %9.2f %8d %16.0f%%", variant.name(),
                                result.requestsPerSecond(), result.requestsPerSecond() / base, result.p50Millis(),
                                result.p99Millis(), after.size(), total == 0 ? 0 : 100.0 * busiest / total));
                    }
                }
            } finally {
                vertx.close();
            }
            System.out.println();
            System.out.printf("%-30s %14s %8s %9s %9s %8s %17s%n", "write-behind, " + ITEMS + " items",
                    "acknowledged/s", "ratio", "p50 ms", "p99 ms", "primaries", "busiest's share");
            lines.forEach(System.out::println);
        }
    }

    /** Commands each primary has served so far ({@code INFO commandstats}, summed). */
    private static Map<String, Long> commandsPerPrimary(Servers servers) {
        Map<String, Long> calls = new HashMap<>();
        try (RedisCli redis = RedisCli.connect(servers.redisUrl())) {
            redis.forEachPrimary(node -> {
                long sum = 0;
                Matcher matcher = CALLS.matcher(String.valueOf(node.call("INFO", "commandstats")));
                while (matcher.find()) {
                    sum += Long.parseLong(matcher.group(1));
                }
                calls.put("port " + node.info("tcp_port"), sum);
            });
        }
        return calls;
    }
}
