package io.cachepatterns.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.cachepatterns.testsupport.FaultProxy;
import io.cachepatterns.testsupport.RedisCli;
import io.cachepatterns.testsupport.Servers;
import io.cachepatterns.testsupport.ServiceProcess;
import io.cachepatterns.testsupport.TestServers;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Write-behind and the leaderboard under the faults an operator meets, tried from outside against the packaged
 * service: Redis emptied, Redis frozen while a client waits, memory pressure during a PostgreSQL outage, a flood
 * of reads of things that do not exist, a lost leaderboard read by many at once, instances that come and go.
 * PostgreSQL is reached through a {@link FaultProxy}, so that its outage is a test's to start and end.
 *
 * <p>{@code -Dit.metrics.jar=…} runs the same checks against another build of the service.
 */
class WriteBehindFaultsIT {

    private static final Path JAR = Path.of(System.getProperty("it.metrics.jar",
            "target/quarkus-app/quarkus-run.jar"));
    private static final String DATABASE = "metrics_faults_it";
    private static final Path LOGS = Path.of("target/it-logs");
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private static Servers servers;
    private static FaultProxy database;
    private static Map<String, String> environment;
    private static ServiceProcess service;
    private static RedisCli redis;

    @BeforeAll
    static void start() {
        servers = TestServers.get();
        servers.createDatabase(DATABASE);
        database = FaultProxy.start(servers.postgres().host(), servers.postgres().port());
        environment = new HashMap<>(ServiceProcess.environment(servers, DATABASE, ServiceProcess.freePort()));
        environment.put("DB_HOST", "127.0.0.1");
        environment.put("DB_PORT", String.valueOf(database.port()));
        environment.put("COUNTERS_WRITE_DELAY", "200ms");
        service = ServiceProcess.start("metrics-faults", JAR, environment, jvmArgs(), LOGS);
        redis = RedisCli.connect(servers.redisUrl());
    }

    /** Claim a quiet instance's entries after 1 s (consumers idle 4 s are removed); the breaker re-tries after 1 s. */
    private static List<String> jvmArgs() {
        return List.of("-Xmx256m", "-Dcache.counters.claim-idle=1s", "-Dcache-store.breaker.delay=1s");
    }

    @AfterAll
    static void stop() {
        if (service != null) {
            service.close();
        }
        if (redis != null) {
            redis.close();
        }
        if (database != null) {
            database.close();
        }
    }

    @Test
    void redisRestartedEmptyKeepsFlushingWithinAFlushInterval() throws Exception {
        String first = item("empty-a");
        String second = item("empty-b");
        increment(first, 3);
        increment(second, 3);
        awaitViews(first, 3);
        awaitViews(second, 3);

        redis.call("FLUSHALL"); // what a restart without persistence, or a failover to an empty replica, leaves
        increment(first, 6);
        increment(second, 5);

        awaitViews(first, 9);
        awaitViews(second, 8);
    }

    @Test
    void aRetryAfterATimeoutWithTheSameIdempotencyKeyCountsOnce() throws Exception {
        String id = item("retry");
        increment(id, 1);
        String key = "retry-" + System.nanoTime();

        // Redis freezes while the increment is on its way: the command sits in Redis' socket buffer, the service
        // gives up after its 250 ms command timeout and answers 503; when Redis wakes, it runs the command anyway.
        servers.freezeRedis();
        int firstAnswer;
        try {
            firstAnswer = post("/items/" + id + "/views", key).statusCode();
        } finally {
            servers.thawRedis();
        }
        assertEquals(503, firstAnswer, "the first try timed out");

        // The client retries with the same key until the service answers (its breaker opened meanwhile).
        HttpResponse<String> retry = null;
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline) {
            retry = post("/items/" + id + "/views", key);
            if (retry.statusCode() == 202) {
                break;
            }
            Thread.sleep(200);
        }
        assertEquals(202, retry.statusCode(), retry.body());
        assertEquals("true", retry.headers().firstValue("Idempotent-Replayed").orElse("absent"),
                "the retry was answered with the first try's answer, not applied again");
        awaitViews(id, 2);
        Thread.sleep(1_000);
        assertEquals(2, databaseViews(id), "1 + the retried increment, once");
        assertThat(get("/items/" + id + "/stats").body()).contains("\"views\":2");
    }

    @Test
    void memoryPressureDuringADatabaseOutageEvictsNoAcknowledgedIncrement() throws Exception {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            ids.add(item("pressure-" + i));
            increment(ids.get(i), 1);
        }
        for (String id : ids) {
            awaitViews(id, 1);
        }
        double lostBefore = metric("write_behind_lost_total");

        database.stall(); // PostgreSQL hangs: nothing written reaches it, nothing is answered
        database.cut();
        try {
            for (String id : ids) {
                increment(id, 2);
            }
            // Redis under the shipped policy (volatile-lru) runs out of memory: 6 MB of keys with a TTL push it.
            Object maxmemory = ((List<?>) redis.call("CONFIG", "GET", "maxmemory")).get(1);
            Object policy = ((List<?>) redis.call("CONFIG", "GET", "maxmemory-policy")).get(1);
            long used = infoField("used_memory");
            long evictedBefore = infoField("evicted_keys");
            redis.call("CONFIG", "SET", "maxmemory-policy", "volatile-lru");
            redis.call("CONFIG", "SET", "maxmemory", used + 2_000_000);
            try {
                String filler = "x".repeat(1_000);
                for (int i = 0; i < 6_000; i++) {
                    redis.call("SET", "it-filler:" + i, filler, "PX", 600_000);
                }
                assertThat(infoField("evicted_keys") - evictedBefore).as("keys Redis evicted").isPositive();
            } finally {
                redis.call("CONFIG", "SET", "maxmemory", maxmemory);
                redis.call("CONFIG", "SET", "maxmemory-policy", policy);
                for (String filler : redis.keys("it-filler:*")) {
                    redis.call("DEL", filler);
                }
            }
        } finally {
            database.resume();
        }
        for (String id : ids) {
            awaitViews(id, 3);
        }
        assertEquals(lostBefore, metric("write_behind_lost_total"), 0.0, "nothing found lost");
    }

    @Test
    void readingWhatDoesNotExistLeavesNoLastingKey() throws Exception {
        Set<String> before = new HashSet<>(redis.keys("metrics:*"));
        List<CompletableFuture<HttpResponse<String>>> reads = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            reads.add(getAsync("/leaderboards/nobody-" + System.nanoTime() + "-" + i));
            if (i % 10 == 0) {
                StringBuilder ids = new StringBuilder();
                for (int j = 0; j < 100; j++) {
                    ids.append(j == 0 ? "" : ",").append("unknown-").append(System.nanoTime()).append('-').append(j);
                }
                reads.add(getAsync("/items/stats?ids=" + ids));
            }
            if (reads.size() >= 32) {
                reads.forEach(CompletableFuture::join);
                reads.clear();
            }
        }
        reads.forEach(read -> assertEquals(200, read.join().statusCode()));

        List<String> lasting = new ArrayList<>();
        for (String key : redis.keys("metrics:*")) {
            long ttl = redis.number("PTTL", key);
            if (!before.contains(key) && (ttl == -1 || ttl > Duration.ofHours(1).toMillis())) {
                lasting.add(key + " (PTTL " + ttl + ")");
            }
        }
        assertThat(lasting).as("keys left for longer than an hour by reads of nothing").isEmpty();
    }

    @Test
    void aLostLeaderboardIsRebuiltOnceForAHundredReadersAndRanksAnswerWhileRedisHangs() throws Exception {
        String board = "board-" + System.nanoTime();
        for (int i = 1; i <= 3; i++) {
            HttpResponse<String> posted = send(HttpRequest.newBuilder(service.uri("/leaderboards/" + board + "/scores"))
                    .header("Content-Type", "application/json")
                    .header("Authorization", "Bearer " + ServiceProcess.LOCAL_ADMIN_TOKEN)
                    .POST(HttpRequest.BodyPublishers.ofString("{\"player\":\"p" + i + "\",\"score\":" + i * 10 + "}")));
            assertEquals(200, posted.statusCode(), posted.body());
        }
        for (String key : redis.keys("metrics:leaderboards:*{" + board + "}*")) {
            redis.call("DEL", key); // Redis lost the board
        }
        double rebuildsBefore = metric("cache_sorted_set_rebuilds_total");
        List<CompletableFuture<HttpResponse<String>>> reads = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            reads.add(getAsync("/leaderboards/" + board + "?limit=3"));
        }
        for (CompletableFuture<HttpResponse<String>> read : reads) {
            HttpResponse<String> answer = read.join();
            assertEquals(200, answer.statusCode(), answer.body());
            assertThat(answer.body()).contains("\"member\":\"p3\"");
        }
        assertEquals(1, metric("cache_sorted_set_rebuilds_total") - rebuildsBefore, 0.0,
                "100 concurrent reads of a lost board: one rebuild");

        servers.freezeRedis();
        try {
            HttpResponse<String> rank = get("/leaderboards/" + board + "/players/p1");
            assertEquals(200, rank.statusCode(), "ranked from PostgreSQL while Redis hangs: " + rank.body());
            assertThat(rank.body()).contains("\"rank\":3");
        } finally {
            servers.thawRedis();
        }
    }

    @Test
    void consumersOfInstancesThatAreGoneAreRemoved() throws Exception {
        increment(item("consumers"), 1);
        Map<String, String> second = new HashMap<>(environment);
        second.put("QUARKUS_HTTP_PORT", String.valueOf(ServiceProcess.freePort()));
        try (ServiceProcess other = ServiceProcess.start("metrics-faults-second", JAR, second, jvmArgs(), LOGS)) {
            Thread.sleep(1_000); // it reads the log at least once: a consumer of its own
        }
        await(() -> consumers() == 1 ? 1 : 0, 1, Duration.ofSeconds(30), "consumers of the log's group");
    }

    private static long consumers() {
        return ((List<?>) redis.call("XINFO", "CONSUMERS", "metrics:counters:v1:{wb}:log", "flushers")).size();
    }

    private static String item(String name) {
        return name + "-" + System.nanoTime();
    }

    private static void increment(String id, int times) throws Exception {
        for (int i = 0; i < times; i++) {
            HttpResponse<String> answer = post("/items/" + id + "/views", null);
            assertEquals(202, answer.statusCode(), answer.body());
        }
    }

    /** As a trusted caller (a server reporting views): anonymous views are rate-limited per address. */
    private static HttpResponse<String> post(String path, String idempotencyKey) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(service.uri(path))
                .header("Authorization", "Bearer " + ServiceProcess.LOCAL_ADMIN_TOKEN)
                .POST(HttpRequest.BodyPublishers.noBody());
        if (idempotencyKey != null) {
            request.header("Idempotency-Key", idempotencyKey);
        }
        return send(request);
    }

    private static HttpResponse<String> get(String path) throws Exception {
        return send(HttpRequest.newBuilder(service.uri(path)));
    }

    private static CompletableFuture<HttpResponse<String>> getAsync(String path) {
        return HTTP.sendAsync(HttpRequest.newBuilder(service.uri(path)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return HTTP.send(request.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void awaitViews(String id, long expected) throws Exception {
        await(() -> {
            try {
                return databaseViews(id);
            } catch (Exception e) {
                return -1;
            }
        }, expected, Duration.ofSeconds(15), "views of " + id + " in PostgreSQL");
    }

    private static void await(LongSupplier actual, long expected, Duration limit, String what) throws Exception {
        long deadline = System.nanoTime() + limit.toNanos();
        long seen = actual.getAsLong();
        while (seen != expected && System.nanoTime() < deadline) {
            Thread.sleep(100);
            seen = actual.getAsLong();
        }
        assertEquals(expected, seen, what);
    }

    private static long databaseViews(String id) throws Exception {
        return CounterRows.views(servers, DATABASE, id);
    }

    /** The sum of a Prometheus counter's series on {@code /q/metrics}. */
    private static double metric(String name) throws Exception {
        String body = get("/q/metrics").body();
        Matcher line = Pattern.compile("(?m)^" + Pattern.quote(name) + "(\\{[^}]*})? ([0-9.eE+-]+)$").matcher(body);
        double sum = 0;
        while (line.find()) {
            sum += Double.parseDouble(line.group(2));
        }
        return sum;
    }

    private static long infoField(String field) {
        for (String line : ((String) redis.call("INFO")).split("\r\n")) {
            if (line.startsWith(field + ":")) {
                return Long.parseLong(line.substring(field.length() + 1).trim());
            }
        }
        throw new IllegalStateException(field + " not in INFO");
    }
}
