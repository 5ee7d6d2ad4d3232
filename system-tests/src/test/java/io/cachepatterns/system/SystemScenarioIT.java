package io.cachepatterns.system;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachepatterns.testsupport.ApiCalls;
import io.cachepatterns.testsupport.LocalPrometheus;
import io.cachepatterns.testsupport.LocalStack;
import io.cachepatterns.testsupport.RedisCli;
import io.cachepatterns.testsupport.ServiceProcess;
import io.cachepatterns.testsupport.TestServers;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Every packaged service, started the way the run command starts them (same environment contract, one Redis, one
 * PostgreSQL with a database per service), and one visitor's walk across all four: a user registers and logs in,
 * becomes an editor, creates a product, which is viewed, liked, and shows up in the feed and in trending; edits the
 * profile and reads it back; logs out, and every service refuses the token at once.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SystemScenarioIT {

    private static LocalStack stack;

    @BeforeAll
    static void startEverything() {
        Path root = Path.of("..").toAbsolutePath().normalize();
        // Feeds fresh for 2 s, so that a new product reaches them within a few seconds.
        stack = LocalStack.start(root, TestServers.get(), Path.of("target/system"), service -> ServiceProcess.freePort(),
                Map.of("FEED_CACHE_TTL", "2s"));
    }

    @AfterAll
    static void stopEverything() {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    @Order(1)
    void aProductIsViewedAndFeaturedAndAUserEditsTheirProfile() {
        // A user registers and logs in at profile-service; the token then works at every service.
        String username = "e2e_" + UUID.randomUUID().toString().substring(0, 8);
        HttpResponse<String> registered = send("profile", "POST", "/profiles", "{\"username\":\"" + username
                + "\",\"password\":\"correct-horse-1\",\"displayName\":\"Before\",\"email\":\"e2e@example.com\"}", null);
        assertThat(registered.statusCode()).isEqualTo(201);
        String profileId = field(registered.body(), "id");
        HttpResponse<String> login = send("profile", "POST", "/sessions", "{\"username\":\"" + username
                + "\",\"password\":\"correct-horse-1\"}", null);
        assertThat(login.statusCode()).isEqualTo(201);
        String token = field(login.body(), "token");

        // Not an editor yet: the catalog refuses; once the operator gives the role, the same token may write, at
        // once (the role change invalidated the session's cached copy, which catalog-service reads).
        String sku = "e2e-" + UUID.randomUUID();
        String kettle = "{\"sku\":\"" + sku + "\",\"name\":\"End-to-end kettle\",\"description\":\"walked across all"
                + " services\",\"price\":49.00,\"currency\":\"EUR\",\"category\":\"e2e\"}";
        assertThat(send("catalog", "POST", "/products", kettle, token).statusCode()).isEqualTo(403);
        assertThat(send("catalog", "POST", "/products", kettle, null).statusCode()).isEqualTo(401);
        assertThat(send("profile", "PUT", "/profiles/" + profileId + "/roles", "{\"roles\":[\"editor\"]}",
                LocalStack.LOCAL_ADMIN_TOKEN).statusCode()).isEqualTo(200);
        HttpResponse<String> created = send("catalog", "POST", "/products", kettle, token);
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        String productId = field(created.body(), "id");

        for (int i = 0; i < 5; i++) {
            assertThat(send("metrics", "POST", "/items/" + productId + "/views", "", null).statusCode())
                    .isEqualTo(202);
        }
        // A like counts once per user, however often it is sent.
        for (int i = 0; i < 3; i++) {
            HttpResponse<String> liked = send("metrics", "POST", "/items/" + productId + "/likes", "", token);
            assertThat(liked.statusCode()).as(liked.body()).isEqualTo(202);
            assertThat(liked.body()).contains("\"likes\":1");
        }
        // Cache-aside: the first read through the cache misses and fills it, the next hits. A stack that saw a Redis
        // call time out while it warmed up (busy CI, a cluster's connections still opening) serves reads from the
        // database for a few seconds (DEGRADED, its invalidation fence): those fill nothing, so wait them out.
        assertThat(firstReadThroughTheCache("catalog", "/products/" + productId)).isEqualTo("MISS");
        assertThat(send("catalog", "GET", "/products/" + productId, null, null).headers().firstValue("X-Cache"))
                .hasValue("HIT");

        // The feed is rebuilt every second or so: soon it holds the product with all five views.
        Pattern withViews = Pattern.compile("\"id\":" + productId + ",[^}]*},\"views\":5,");
        String feed = await("feed", "/feed", body -> withViews.matcher(body).find());
        assertThat(feed).contains("End-to-end kettle");
        String trending = await("feed", "/trending?limit=50", body -> body.contains("\"id\":" + productId + ","));
        assertThat(trending).contains("End-to-end kettle");

        // Renamed in the catalog: feed-service's copy (a 5-minute TTL) is dropped by the catalog's announcement.
        assertThat(send("feed", "GET", "/summaries/" + productId, null, null).body()).contains("End-to-end kettle");
        assertThat(send("catalog", "PUT", "/products/" + productId, "{\"sku\":\"" + sku + "\",\"name\":"
                + "\"End-to-end teapot\",\"description\":\"renamed\",\"price\":49.00,\"currency\":\"EUR\","
                + "\"category\":\"e2e\"}", token).statusCode()).isEqualTo(200);
        await("feed", "/summaries/" + productId, body -> body.contains("End-to-end teapot"));

        HttpResponse<String> edited = send("profile", "PUT", "/profiles/" + profileId, "{\"displayName\":\"After\","
                + "\"email\":\"e2e@example.com\",\"bio\":\"edited end to end\"}", token);
        assertThat(edited.statusCode()).isEqualTo(200);
        HttpResponse<String> readBack = send("profile", "GET", "/profiles/" + profileId, null, token);
        assertThat(readBack.statusCode()).isEqualTo(200);
        assertThat(readBack.body()).contains("\"displayName\":\"After\"").contains("edited end to end")
                .as("the owner sees the email").contains("e2e@example.com");
        assertThat(readBack.headers().firstValue("X-Cache")).as("fresh after the write, and a hit").hasValue("HIT");
        HttpResponse<String> seenByOthers = send("profile", "GET", "/profiles/" + profileId, null, null);
        assertThat(seenByOthers.body()).contains("\"displayName\":\"After\"").doesNotContain("e2e@example.com")
                .doesNotContain("roles");

        // A logout at profile-service is seen by the other services at once.
        assertThat(send("profile", "DELETE", "/sessions/current", null, token).statusCode()).isEqualTo(204);
        assertThat(send("catalog", "DELETE", "/products/" + productId, null, token).statusCode()).isEqualTo(401);
        assertThat(send("metrics", "DELETE", "/items/" + productId + "/likes", null, token).statusCode())
                .isEqualTo(401);
    }

    /**
     * A session that is not in the cache (new, expired from it, or Redis restarted empty), used first at another
     * service: that service takes the entry's lease and asks profile-service, then fills the entry. profile-service's
     * answer must not wait for that lease, or it waits out {@code lease-wait} (500 ms) on every cold session.
     */
    @Test
    @Order(3)
    void aColdSessionIsCheckedAtAnotherServiceWithoutALeaseWait() {
        String username = "cold_" + UUID.randomUUID().toString().substring(0, 8);
        assertThat(send("profile", "POST", "/profiles", "{\"username\":\"" + username + "\",\"password\":"
                + "\"correct-horse-2\",\"displayName\":\"Cold\",\"email\":\"cold@example.com\"}", null)
                .statusCode()).isEqualTo(201);
        String token = field(send("profile", "POST", "/sessions", "{\"username\":\"" + username + "\",\"password\":"
                + "\"correct-horse-2\"}", null).body(), "token");
        // The sessions' entries are named after the token's SHA-256 (Authenticator.hash).
        String entry = "profile:sessions:v*:{" + sha256(token) + "}";
        try (RedisCli redis = RedisCli.connect(TestServers.get().redisUrl())) {
            redis.keys(entry).forEach(key -> redis.call("DEL", key));
            double waitsBefore = leaseWaitTimeouts("profile", "sessions");

            long started = System.nanoTime();
            HttpResponse<String> first = send("metrics", "GET", "/items/cold-item/likes/mine", null, token);
            long millis = (System.nanoTime() - started) / 1_000_000;
            assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
            System.out.printf("a cold session checked at metrics-service: %d ms%n", millis);
            assertThat(leaseWaitTimeouts("profile", "sessions")).as("profile-service waited out a lease")
                    .isEqualTo(waitsBefore);
            // And the asker filled the entry: at once, or, where the instance reads around Redis for a moment after a
            // Redis error (its fence; seen on a cluster), at a later check.
            long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
            while (redis.keys(entry).isEmpty() && System.nanoTime() < deadline) {
                assertThat(send("metrics", "GET", "/items/cold-item/likes/mine", null, token).statusCode())
                        .isEqualTo(200);
                sleep(Duration.ofMillis(250));
            }
            assertThat(redis.keys(entry)).as("the session's entry is filled").hasSize(1);
        }
    }

    private static String sha256(String text) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The sum of {@code cache_lease_wait_timeouts_total} of {@code cache} at {@code service}. */
    private static double leaseWaitTimeouts(String service, String cache) {
        Matcher counter = Pattern.compile("^cache_lease_wait_timeouts_total\\{[^}]*cache=\"" + cache
                + "\"[^}]*} ([0-9.eE+]+)$", Pattern.MULTILINE).matcher(send(service, "GET", "/q/metrics", null, null)
                .body());
        double sum = 0;
        while (counter.find()) {
            sum += Double.parseDouble(counter.group(1));
        }
        return sum;
    }

    private static String await(String service, String path, Predicate<String> until) {
        return awaitAnswer(service, path, answer -> answer.statusCode() == 200 && until.test(answer.body()),
                Duration.ofSeconds(30)).body();
    }

    /** The {@code X-Cache} of the first read of {@code path} not served around the cache ({@code DEGRADED}). */
    private static String firstReadThroughTheCache(String service, String path) {
        HttpResponse<String> read = awaitAnswer(service, path, answer -> !servedFrom(answer).equals("DEGRADED"),
                Duration.ofSeconds(15));
        assertThat(read.statusCode()).as(read.body()).isEqualTo(200);
        return servedFrom(read);
    }

    /** Reads {@code path} every 250 ms until an answer satisfies {@code until}, and answers it. */
    private static HttpResponse<String> awaitAnswer(String service, String path,
                                                    Predicate<HttpResponse<String>> until, Duration limit) {
        long deadline = System.nanoTime() + limit.toNanos();
        String last = "none";
        while (System.nanoTime() < deadline) {
            HttpResponse<String> answer = send(service, "GET", path, null, null);
            if (until.test(answer)) {
                return answer;
            }
            last = answer.statusCode() + " (X-Cache " + servedFrom(answer) + ") " + answer.body();
            sleep(Duration.ofMillis(250));
        }
        throw new AssertionError(service + path + " never showed what was expected in " + limit.toSeconds()
                + " s; last answer: " + last);
    }

    private static String servedFrom(HttpResponse<String> answer) {
        return answer.headers().firstValue("X-Cache").orElse("");
    }

    private static String field(String json, String name) {
        String value = ApiCalls.field(json, name);
        assertThat(value).as("%s in %s", name, json).isNotNull();
        return value;
    }

    private static HttpResponse<String> send(String service, String method, String path, String json, String token) {
        return ApiCalls.call(stack, service, method, path, json, token);
    }

    /**
     * Prometheus scrapes the services after the walk above: every query of the Grafana dashboard returns series, and
     * so does every alert rule's expression, its comparisons made {@code bool} so that a healthy system still
     * answers (and {@code offset 1h} dropped: this Prometheus is seconds old). A renamed metric, a label the
     * dashboard filters on that no meter carries, a meter registered only on its first event: each fails here.
     */
    @Test
    @Order(2)
    void everyDashboardQueryAndAlertExpressionReturnsSeries() throws Exception {
        Assumptions.assumeTrue(LocalPrometheus.binary() != null || System.getenv("CI") != null,
                "no prometheus binary here (apt-get install prometheus); CI installs it");
        Path root = Path.of("..").toAbsolutePath().normalize();
        Map<String, String> targets = new LinkedHashMap<>();
        for (var service : stack.services()) {
            targets.put(service.name().replace("-service", ""), "127.0.0.1:" + service.port());
        }
        List<String> queries = new ArrayList<>(dashboardQueries(root.resolve(
                "compose/grafana/dashboards/cache-patterns.json")));
        Path rules = root.resolve("compose/prometheus/alerts.yml");
        for (String expression : ruleExpressions(rules)) {
            queries.add(expression.replaceAll("\\s+offset\\s+\\d+[smhdw]", "")
                    .replaceAll("\\s(>=|<=|==|!=|>|<)\\s+(?!bool)", " $1 bool "));
        }
        try (LocalPrometheus prometheus = LocalPrometheus.start(targets, rules)) {
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (System.nanoTime() < deadline && !prometheus.query("count(up == 1) == " + targets.size())
                    .contains("\"value\"")) {
                sleep(Duration.ofMillis(500));
            }
            sleep(Duration.ofSeconds(4)); // a few scrapes, so that rate() over a window has two samples
            List<String> empty = new ArrayList<>();
            for (String query : queries) {
                if (!prometheus.hasSeries(query)) {
                    empty.add(query);
                }
            }
            assertThat(empty).as("queries that return no series (prometheus log: %s)", prometheus.log()).isEmpty();
            assertThat(queries).hasSizeGreaterThan(10);
        }
    }

    private static List<String> dashboardQueries(Path dashboard) throws Exception {
        List<String> queries = new ArrayList<>();
        Matcher expr = Pattern.compile("\"expr\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"")
                .matcher(Files.readString(dashboard));
        while (expr.find()) {
            queries.add(expr.group(1).replace("\\\"", "\"").replace("\\\\", "\\"));
        }
        return queries;
    }

    /** The {@code expr} of each rule: one line, or a {@code |} block of the lines indented below it. */
    private static List<String> ruleExpressions(Path rules) throws Exception {
        List<String> expressions = new ArrayList<>();
        List<String> lines = Files.readAllLines(rules);
        for (int i = 0; i < lines.size(); i++) {
            Matcher expr = Pattern.compile("^(\\s*)expr:\\s*(.*)$").matcher(lines.get(i));
            if (!expr.matches()) {
                continue;
            }
            if (!expr.group(2).equals("|")) {
                expressions.add(expr.group(2));
                continue;
            }
            StringBuilder block = new StringBuilder();
            int indent = expr.group(1).length();
            while (i + 1 < lines.size() && (lines.get(i + 1).isBlank()
                    || lines.get(i + 1).length() - lines.get(i + 1).stripLeading().length() > indent)) {
                block.append(lines.get(++i).strip()).append(' ');
            }
            expressions.add(block.toString().trim());
        }
        return expressions;
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
