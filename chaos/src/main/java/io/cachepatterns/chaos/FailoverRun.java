package io.cachepatterns.chaos;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.cachepatterns.testsupport.ApiCalls;
import io.cachepatterns.testsupport.LocalStack;
import io.cachepatterns.testsupport.PostgresAddress;
import io.cachepatterns.testsupport.RedisCli;
import io.cachepatterns.testsupport.Servers;
import io.cachepatterns.testsupport.ServiceProcess;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Redis primary killed ({@code kill -9}) under load, on a Redis Cluster or under Sentinel, against the packaged
 * catalog-service and two metrics-service instances: one acknowledging an increment once the primary has it
 * ({@code replica-acks} 0, the default), one only once a replica has it too ({@code CACHE_COUNTERS_REPLICA_ACKS=1}).
 *
 * <p>Readers read one product whose key lives on the primary that dies; writers send increments, each with its own
 * {@code Idempotency-Key}, again with the same key until answered 2xx, as a client would. Measured: how long the
 * topology took to fail over (a probe asks the key's primary every 100 ms), when reads were cache hits again
 * (catalog's hit counter moving), every answer that was not a 2xx, and, once everything is flushed, each
 * instance's acknowledged increments against what PostgreSQL counted: lost or counted twice.
 */
final class FailoverRun {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern PRODUCT_HITS = Pattern.compile(
            "cache_gets_total\\{[^}]*cache=\"products\"[^}]*result=\"hit\"[^}]*} ([0-9.E]+)");

    /** What one run measured; {@code -1} where something never happened. */
    record Figures(String mode, long reads, long readsNot200, long failoverMillis, long hitsBackMillis,
                   Map<String, Writes> writes) {

        void print() {
            System.out.printf("%nfailover (%s): primary killed under load%n", mode);
            System.out.printf("  topology failed over after  %6d ms (the key's slot served again)%n", failoverMillis);
            System.out.printf("  reads cache hits again after %5d ms%n", hitsBackMillis);
            System.out.printf("  reads: %d, not 200: %d%n", reads, readsNot200);
            System.out.printf("  %-16s %9s %8s %6s %10s %6s %6s %14s %14s%n", "increments", "acked", "503", "5xx",
                    "unanswered", "lost", "twice", "p50 ms before", "p99 ms before");
            writes.forEach((name, w) -> System.out.printf("  %-16s %9d %8d %6d %10d %6d %6d %14.2f %14.2f%n", name,
                    w.acknowledged, w.unavailable, w.otherFailures, w.unanswered, w.lost, w.countedTwice,
                    w.p50Millis, w.p99Millis));
        }
    }

    /** One metrics-service instance's increments: answers, then the reckoning against PostgreSQL. */
    record Writes(long acknowledged, long unavailable, long otherFailures, long unanswered, long lost,
                  long countedTwice, double p50Millis, double p99Millis) {
    }

    private FailoverRun() {
    }

    static Figures run(Path root, String mode, Duration before, Duration after) throws Exception {
        Path logs = root.resolve("chaos/target/failover-" + mode);
        try (Servers servers = Servers.startProcesses(mode)) {
            Map<String, ServiceProcess> services = new LinkedHashMap<>();
            try {
                return run(root, mode, servers, services, logs, before, after);
            } finally {
                ServiceProcess.stopAll(services.values());
            }
        }
    }

    private static Figures run(Path root, String mode, Servers servers, Map<String, ServiceProcess> services,
                               Path logs, Duration before, Duration after) throws Exception {
        List<String> jvm = List.of("-Xmx256m");
        PostgresAddress catalogDb = servers.createOwnedDatabase("catalog");
        PostgresAddress metricsDb = servers.createOwnedDatabase("metrics");
        int partitions = "cluster".equals(mode) ? 3 : 1;
        services.put("catalog", ServiceProcess.start("catalog", jar(root, "catalog-service"),
                ServiceProcess.environment(servers, catalogDb, "catalog", ServiceProcess.freePort()), jvm, logs));
        for (int acks = 0; acks <= 1; acks++) {
            Map<String, String> environment = new HashMap<>(ServiceProcess.environment(servers, metricsDb, "metrics",
                    ServiceProcess.freePort()));
            environment.put("CACHE_COUNTERS_REPLICA_ACKS", String.valueOf(acks));
            environment.put("CACHE_COUNTERS_LOG_PARTITIONS", String.valueOf(partitions));
            services.put("replica-acks=" + acks, ServiceProcess.start("metrics-acks-" + acks,
                    jar(root, "metrics-service"), environment, jvm, logs));
        }
        ServiceProcess catalog = services.get("catalog");

        // The product read, cached, and the Redis key it is cached under: the primary of that key dies.
        String run = Long.toString(System.nanoTime() % 1_000_000_000L, 36);
        long product = JSON.readTree(call("POST", catalog.uri("/products"), "{\"sku\":\"failover-" + run
                + "\",\"name\":\"failover\",\"description\":\"read while Redis fails over\",\"price\":1.50,"
                + "\"currency\":\"EUR\",\"category\":\"failover\"}").body()).get("id").asLong();
        URI read = catalog.uri("/products/" + product);
        call("GET", read, null);
        call("GET", read, null);
        String productKey;
        try (RedisCli redis = RedisCli.connect(servers.redisUrl())) {
            productKey = redis.keys("catalog:products:*").stream().filter(key -> key.endsWith(":{" + product + "}"))
                    .findFirst().orElseThrow(() -> new IllegalStateException("product " + product + " not cached"));
        }

        AtomicBoolean running = new AtomicBoolean(true);
        AtomicLong reads = new AtomicLong();
        ConcurrentLinkedQueue<String> readFailures = new ConcurrentLinkedQueue<>();
        List<Thread> threads = new ArrayList<>();
        threads.add(thread(() -> {
            while (running.get()) {
                HttpResponse<String> answer = callQuietly("GET", read, null);
                reads.incrementAndGet();
                if (answer == null || answer.statusCode() != 200) {
                    readFailures.add(answer == null ? "no answer" : answer.statusCode() + " " + answer.body());
                }
            }
        }));
        Map<String, Writer> writers = new LinkedHashMap<>();
        for (String name : List.of("replica-acks=0", "replica-acks=1")) {
            Writer writer = new Writer(services.get(name), "failover-" + run + "-" + name.charAt(name.length() - 1));
            writers.put(name, writer);
            for (int i = 0; i < 2; i++) {
                threads.add(thread(() -> writer.writeWhile(running)));
            }
        }
        List<long[]> hitSamples = new CopyOnWriteArrayList<>(); // {millis since start, hits}
        long start = System.nanoTime();
        threads.add(thread(() -> {
            while (running.get()) {
                double hits = productHits(catalog);
                hitSamples.add(new long[] {(System.nanoTime() - start) / 1_000_000, (long) hits});
                sleep(100);
            }
        }));

        sleep(before.toMillis());
        long killedAt = (System.nanoTime() - start) / 1_000_000;
        writers.values().forEach(Writer::killed);
        Runnable restartKilled = servers.killRedisPrimaryOf(productKey);
        long failoverMillis = awaitServed(servers, productKey, Duration.ofSeconds(60));
        sleep(Math.max(0, after.toMillis() - failoverMillis));
        running.set(false);
        // Back as a replica of the new primary: on a cluster the promoted replica had none left, so increments that
        // wait for one (replica-acks=1) are answered again only now.
        restartKilled.run();
        for (Thread thread : threads) {
            thread.join();
        }

        long hitsBack = -1;
        for (int i = 1; i < hitSamples.size(); i++) {
            long[] sample = hitSamples.get(i);
            if (sample[0] > killedAt + failoverMillis && sample[1] > hitSamples.get(i - 1)[1]) {
                hitsBack = sample[0] - killedAt;
                break;
            }
        }
        Map<String, Writes> writes = new LinkedHashMap<>();
        for (var entry : writers.entrySet()) {
            writes.put(entry.getKey(), entry.getValue().reckon(servers, metricsDb, Duration.ofSeconds(60)));
        }
        return new Figures(servers.redisClientType(), reads.get(), readFailures.size(), failoverMillis, hitsBack,
                writes);
    }

    /** Increments of a few items, each with its own key, sent again with that key until answered 2xx. */
    private static final class Writer {
        private final ServiceProcess metrics;
        private final String prefix;
        private final Map<String, AtomicLong> acknowledged = new ConcurrentHashMap<>();
        private final AtomicLong unavailable = new AtomicLong();
        private final ConcurrentLinkedQueue<String> otherFailures = new ConcurrentLinkedQueue<>();
        private final ConcurrentLinkedQueue<Long> latencies = new ConcurrentLinkedQueue<>();
        private final AtomicLong unanswered = new AtomicLong();
        private volatile boolean killed;

        Writer(ServiceProcess metrics, String prefix) {
            this.metrics = metrics;
            this.prefix = prefix;
        }

        /** From now on latencies are not recorded: they measure the knob's cost on a healthy Redis only. */
        void killed() {
            killed = true;
        }

        void writeWhile(AtomicBoolean running) {
            java.util.Random random = new java.util.Random();
            while (running.get()) {
                String item = prefix + "-" + random.nextInt(12);
                String key = UUID.randomUUID().toString();
                // Once sent, an increment is sent until answered, even after the run ends: none is left in doubt
                // (for a minute at most).
                boolean answered = false;
                for (int attempt = 0; attempt < 1_200 && !answered; attempt++) {
                    long sent = System.nanoTime();
                    HttpResponse<String> answer = callQuietly("POST", metrics.uri("/items/" + item
                            + "/views?count=1"), "", "Idempotency-Key", key);
                    if (answer != null && answer.statusCode() / 100 == 2) {
                        if (!killed) {
                            latencies.add(System.nanoTime() - sent);
                        }
                        acknowledged.computeIfAbsent(item, ignored -> new AtomicLong()).incrementAndGet();
                        answered = true;
                        continue;
                    }
                    if (answer == null || answer.statusCode() == 503) {
                        unavailable.incrementAndGet();
                    } else {
                        otherFailures.add(answer.statusCode() + " " + answer.body());
                    }
                    sleep(50);
                }
                if (!answered) {
                    unanswered.incrementAndGet(); // applied or not: it cannot be judged
                }
            }
        }

        /** Waits until PostgreSQL has counted every acknowledged increment (or {@code limit}), then compares. */
        Writes reckon(Servers servers, PostgresAddress database, Duration limit) throws Exception {
            long deadline = System.nanoTime() + limit.toNanos();
            Map<String, Long> counted = counted(database);
            while (!counted.equals(acknowledgedNow()) && System.nanoTime() < deadline) {
                sleep(500);
                counted = counted(database);
            }
            long lost = 0;
            long twice = 0;
            for (var entry : acknowledgedNow().entrySet()) {
                long inDatabase = counted.getOrDefault(entry.getKey(), 0L);
                lost += Math.max(0, entry.getValue() - inDatabase);
                twice += Math.max(0, inDatabase - entry.getValue());
            }
            List<Long> sorted = latencies.stream().sorted().toList();
            return new Writes(acknowledgedNow().values().stream().mapToLong(Long::longValue).sum(),
                    unavailable.get(), otherFailures.size(), unanswered.get(), lost, twice,
                    percentile(sorted, 0.50), percentile(sorted, 0.99));
        }

        private Map<String, Long> acknowledgedNow() {
            Map<String, Long> now = new HashMap<>();
            acknowledged.forEach((item, count) -> now.put(item, count.get()));
            return now;
        }

        private Map<String, Long> counted(PostgresAddress database) throws Exception {
            return ChaosRun.countedViews(database, prefix + "-");
        }
    }

    private static double percentile(List<Long> sortedNanos, double p) {
        if (sortedNanos.isEmpty()) {
            return -1;
        }
        int index = (int) Math.min(sortedNanos.size() - 1, Math.ceil(p * sortedNanos.size()) - 1);
        return sortedNanos.get(Math.max(0, index)) / 1e6;
    }

    /** Milliseconds until the primary of {@code key} answers again (a read of it, following MOVED). */
    private static long awaitServed(Servers servers, String key, Duration limit) {
        long start = System.nanoTime();
        while (System.nanoTime() - start < limit.toNanos()) {
            try (RedisCli redis = RedisCli.connect(servers.redisUrl())) {
                redis.call("SET", key + ":failover-probe", "1", "PX", "1000");
                return (System.nanoTime() - start) / 1_000_000;
            } catch (RuntimeException notYet) {
                sleep(100);
            }
        }
        throw new IllegalStateException("Redis did not fail over within " + limit);
    }

    private static double productHits(ServiceProcess catalog) {
        HttpResponse<String> metrics = callQuietly("GET", catalog.uri("/q/metrics"), null);
        double hits = 0;
        if (metrics != null) {
            Matcher matcher = PRODUCT_HITS.matcher(metrics.body());
            while (matcher.find()) {
                hits += Double.parseDouble(matcher.group(1));
            }
        }
        return hits;
    }

    private static Path jar(Path root, String module) {
        return root.resolve(module).resolve("target/quarkus-app/quarkus-run.jar");
    }

    private static HttpResponse<String> call(String method, URI uri, String body) throws IOException,
            InterruptedException {
        HttpResponse<String> answer = send(method, uri, body);
        if (answer.statusCode() / 100 != 2) {
            throw new IllegalStateException(method + " " + uri + ": " + answer.statusCode() + " " + answer.body());
        }
        return answer;
    }

    /** {@code null} when no answer came within 5 s or the connection failed. */
    private static HttpResponse<String> callQuietly(String method, URI uri, String body, String... headers) {
        try {
            return send(method, uri, body, headers);
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private static HttpResponse<String> send(String method, URI uri, String body, String... headers)
            throws IOException, InterruptedException {
        return HTTP.send(ApiCalls.request(method, uri, body, LocalStack.LOCAL_ADMIN_TOKEN, Duration.ofSeconds(5),
                headers), HttpResponse.BodyHandlers.ofString());
    }

    private static Thread thread(Runnable body) {
        Thread thread = new Thread(body, "failover-load");
        thread.setDaemon(true);
        thread.start();
        return thread;
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** {@code FailoverRun [cluster|sentinel] [seconds after the kill]}: prints the figures. */
    public static void main(String[] args) throws Exception {
        String mode = args.length > 0 ? args[0] : "cluster";
        long after = args.length > 1 ? Long.parseLong(args[1]) : 20;
        run(Path.of("").toAbsolutePath(), mode, Duration.ofSeconds(5), Duration.ofSeconds(after)).print();
    }
}
