package io.cachepatterns.chaos;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cachepatterns.testsupport.ApiCalls;
import io.cachepatterns.testsupport.LocalStack;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The clients of a run, seeded and concurrent, every request recorded in the {@link History}: editors changing
 * products (each answer names the new version) while readers read them on either instance; owners editing their
 * profile on one instance and reading it back on the other; users logging in, using their token at two services,
 * logging out and trying it again; counter increments, each with its own {@code Idempotency-Key}, sent again with the
 * same key until one is answered; best scores written and read back; feed reads.
 */
final class Workload {

    static final String INCREMENT = "increment";
    static final String PRODUCT_WRITE = "product-write";
    static final String PRODUCT_READ = "product-read";
    static final String PROFILE_WRITE = "profile-write";
    static final String PROFILE_READ = "profile-read";
    static final String LOGIN = "login";
    static final String LOGOUT = "logout";
    static final String SESSION_USE = "session-use";
    static final String SCORE_WRITE = "score-write";
    static final String SCORE_READ = "score-read";
    static final String FEED_READ = "feed-read";

    /** A counter increment: which item, by how much, in which phase of the run. */
    record Increment(String item, int count, int phase) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);
    private static final int PRODUCTS = 12;
    private static final int OWNERS = 6;
    private static final int SESSION_USERS = 8;
    private static final int ITEMS = 40;

    private final ChaosStack stack;
    private final History history;
    private final long seed;
    private final String operator = LocalStack.LOCAL_ADMIN_TOKEN;
    private final List<Long> products = new ArrayList<>();
    private final Map<Long, String> skus = new ConcurrentHashMap<>();
    private final List<long[]> owners = new ArrayList<>(); // profile id, index into ownerTokens
    private final List<String> ownerTokens = new ArrayList<>();
    private final List<String[]> sessionUsers = new ArrayList<>(); // username, password
    private final Map<String, Increment> increments = new ConcurrentHashMap<>();
    private final AtomicInteger phase = new AtomicInteger(1);
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean running;

    Workload(ChaosStack stack, History history, long seed) {
        this.stack = stack;
        this.history = history;
        this.seed = seed;
    }

    /** Products, owners and users to work with, made before the first fault. */
    void setUp() {
        String run = Long.toString(seed, 36) + "-" + Long.toString(System.nanoTime() % 100_000, 36);
        for (int i = 0; i < PRODUCTS; i++) {
            String sku = "chaos-" + run + "-" + i;
            Answer created = call("POST", instance("catalog", 0).uri("/products"), productBody(sku, 0), operator);
            long id = created.json().get("id").asLong();
            products.add(id);
            skus.put(id, sku);
        }
        for (int i = 0; i < OWNERS + SESSION_USERS; i++) {
            String username = "chaos_" + run.replace('-', '_') + "_" + i;
            String password = "chaos passphrase " + UUID.randomUUID();
            Answer registered = call("POST", instance("profile", 0).uri("/profiles"), "{\"username\":\"" + username
                    + "\",\"password\":\"" + password + "\",\"displayName\":\"Chaos " + i + "\",\"email\":\"chaos" + i
                    + "@example.com\"}", operator);
            if (i < OWNERS) {
                Answer login = call("POST", instance("profile", 0).uri("/sessions"), credentials(username, password),
                        null);
                owners.add(new long[] {registered.json().get("id").asLong(), ownerTokens.size()});
                ownerTokens.add(login.json().get("token").asText());
            } else {
                sessionUsers.add(new String[] {username, password});
            }
        }
    }

    void start() {
        running = true;
        for (int w = 0; w < 2; w++) {
            int writer = w;
            spawn("product-writer-" + w, random -> writeProducts(writer, random));
        }
        for (int r = 0; r < 3; r++) {
            spawn("product-reader-" + r, this::readProducts);
        }
        for (int o = 0; o < 3; o++) {
            int owner = o;
            spawn("profile-owner-" + o, random -> editProfiles(owner, random));
        }
        spawn("sessions", this::useSessions);
        for (int c = 0; c < 2; c++) {
            spawn("counter-" + c, this::increment);
        }
        spawn("leaderboard", this::score);
        spawn("feed", this::readFeed);
    }

    void stop() throws InterruptedException {
        running = false;
        for (Thread thread : threads) {
            thread.join(30_000);
        }
        threads.clear();
    }

    /** From now on increments go to other items: a phase's counters are checked on their own. */
    void nextPhase() {
        phase.incrementAndGet();
    }

    int phase() {
        return phase.get();
    }

    Map<String, Increment> increments() {
        return Map.copyOf(increments);
    }

    /**
     * {@code count} increments sent on connections closed right after the request, before any answer: the client
     * gave up. Their keys are settled later, like any increment left without an answer.
     */
    void abandonRequests(int count, Random random) {
        for (int i = 0; i < count && running; i++) {
            ChaosStack.Instance metrics = anyInstance("metrics", random);
            String item = item(random);
            String key = UUID.randomUUID().toString();
            increments.put(key, new Increment(item, 1, phase.get()));
            long start = history.now();
            URI uri = metrics.uri("/items/" + item + "/views?count=1");
            try (Socket socket = new Socket(uri.getHost(), uri.getPort())) {
                OutputStream out = socket.getOutputStream();
                out.write(("POST " + uri.getRawPath() + "?" + uri.getRawQuery() + " HTTP/1.1\r\nHost: localhost\r\n"
                        + "Authorization: Bearer " + operator + "\r\nIdempotency-Key: " + key + "\r\n"
                        + "Content-Length: 0\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                Thread.sleep(random.nextInt(3));
            } catch (IOException e) {
                // the instance may be down: still an increment without an answer
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            history.record(new History.Op(INCREMENT, metrics.name(), start, history.now(), History.NO_ANSWER, false,
                    key, 1, phase.get()));
        }
    }

    /**
     * Sends every increment that has no answer yet once more with its key, until each is answered: afterwards each
     * key was either applied once or never, and every counter must equal the sum of its keys' counts.
     */
    List<String> settleIncrements(Duration limit) throws InterruptedException {
        Map<String, Boolean> answered = new ConcurrentHashMap<>();
        for (History.Op op : history.ops()) {
            if (op.kind().equals(INCREMENT) && op.ok()) {
                answered.put(op.subject(), true);
            }
        }
        long deadline = System.nanoTime() + limit.toNanos();
        Random random = new Random(seed);
        List<String> unsettled = new ArrayList<>();
        for (Map.Entry<String, Increment> increment : increments.entrySet()) {
            if (answered.containsKey(increment.getKey())) {
                continue;
            }
            boolean done = false;
            while (!done && System.nanoTime() < deadline) {
                done = sendIncrement(increment.getKey(), increment.getValue(), random);
                if (!done) {
                    Thread.sleep(250);
                }
            }
            if (!done) {
                unsettled.add(increment.getKey());
            }
        }
        return unsettled;
    }

    private void writeProducts(int writer, Random random) {
        int round = 0;
        while (running) {
            long id = products.get(writer + 2 * random.nextInt(PRODUCTS / 2)); // each writer its own half
            ChaosStack.Instance catalog = anyInstance("catalog", random);
            Answer answer = call("PUT", catalog.uri("/products/" + id), productBody(skus.get(id), ++round),
                    operator);
            record(PRODUCT_WRITE, catalog, answer, String.valueOf(id), answer.field("version"));
            pause(random, 40);
        }
    }

    private void readProducts(Random random) {
        while (running) {
            long id = products.get(random.nextInt(PRODUCTS));
            ChaosStack.Instance catalog = anyInstance("catalog", random);
            Answer answer = call("GET", catalog.uri("/products/" + id), null, null);
            record(PRODUCT_READ, catalog, answer, String.valueOf(id), answer.field("version"));
            pause(random, 10);
        }
    }

    /** Each owner writes on one instance and reads back on the other: read-your-writes across the fleet. */
    private void editProfiles(int owner, Random random) {
        List<long[]> mine = List.of(owners.get(owner), owners.get(owner + 3));
        int round = 0;
        while (running) {
            long[] profile = mine.get(random.nextInt(mine.size()));
            String token = ownerTokens.get((int) profile[1]);
            int writeOn = random.nextInt(2);
            ChaosStack.Instance writer = instance("profile", writeOn);
            Answer write = call("PUT", writer.uri("/profiles/" + profile[0]), "{\"displayName\":\"Owner " + owner
                    + " r" + (++round) + "\",\"email\":\"owner" + owner + "@example.com\",\"bio\":\"round " + round
                    + "\"}", token);
            record(PROFILE_WRITE, writer, write, String.valueOf(profile[0]), write.field("version"));
            ChaosStack.Instance reader = instance("profile", 1 - writeOn);
            Answer read = call("GET", reader.uri("/profiles/" + profile[0]), null, token);
            record(PROFILE_READ, reader, read, String.valueOf(profile[0]), read.field("version"));
            pause(random, 40);
        }
    }

    /** Log in, use the token, log out (until acknowledged), then try the token again on every kind of instance. */
    private void useSessions(Random random) {
        int cycle = 0;
        while (running) {
            String[] user = sessionUsers.get(cycle++ % sessionUsers.size());
            ChaosStack.Instance profile = anyInstance("profile", random);
            Answer login = call("POST", profile.uri("/sessions"), credentials(user[0], user[1]), null);
            record(LOGIN, profile, login, user[0], -1);
            if (!login.ok()) {
                pause(random, 300);
                continue;
            }
            String token = login.json().get("token").asText();
            String subject = token.substring(0, 12);
            for (int i = 0; i < 3 && running; i++) {
                useToken(token, subject, random);
            }
            boolean loggedOut = false;
            for (int attempt = 0; attempt < 40 && !loggedOut; attempt++) {
                ChaosStack.Instance at = anyInstance("profile", random);
                Answer logout = call("DELETE", at.uri("/sessions/current"), null, token);
                record(LOGOUT, at, logout, subject, -1);
                loggedOut = logout.ok();
                if (!loggedOut) {
                    pause(random, 250);
                }
            }
            for (int i = 0; i < 6 && running; i++) {
                useToken(token, subject, random);
                pause(random, 200);
            }
        }
    }

    private void useToken(String token, String subject, Random random) {
        boolean atProfile = random.nextBoolean();
        ChaosStack.Instance at = anyInstance(atProfile ? "profile" : "metrics", random);
        Answer answer = call("GET", at.uri(atProfile ? "/sessions/current"
                : "/items/" + item(random) + "/likes/mine"), null, token);
        record(SESSION_USE, at, answer, subject, answer.status() == 200 ? 1 : 0);
    }

    private void increment(Random random) {
        while (running) {
            String key = UUID.randomUUID().toString();
            Increment increment = new Increment(item(random), 1 + random.nextInt(3), phase.get());
            increments.put(key, increment);
            for (int attempt = 0; attempt < 3 && !sendIncrement(key, increment, random) && running; attempt++) {
                pause(random, 200);
            }
            pause(random, 10);
        }
    }

    private boolean sendIncrement(String key, Increment increment, Random random) {
        ChaosStack.Instance metrics = anyInstance("metrics", random);
        Answer answer = call("POST", metrics.uri("/items/" + increment.item() + "/views?count=" + increment.count()),
                "", operator, "Idempotency-Key", key);
        history.record(new History.Op(INCREMENT, metrics.name(), answer.start(), answer.end(), answer.status(),
                answer.problem(), key, increment.count(), increment.phase()));
        return answer.ok();
    }

    /** A best score per player, always higher, read back at once on the other instance. */
    private void score(Random random) {
        long score = 0;
        while (running) {
            String player = "player-" + random.nextInt(10);
            score += 1 + random.nextInt(100);
            int writeOn = random.nextInt(2);
            ChaosStack.Instance writer = instance("metrics", writeOn);
            Answer write = call("POST", writer.uri("/leaderboards/chaos/scores"), "{\"player\":\"" + player
                    + "\",\"score\":" + score + "}", operator);
            record(SCORE_WRITE, writer, write, player, write.ok() ? score : -1);
            ChaosStack.Instance reader = instance("metrics", 1 - writeOn);
            Answer read = call("GET", reader.uri("/leaderboards/chaos/players/" + player), null, null);
            record(SCORE_READ, reader, read, player, read.field("score"));
            pause(random, 50);
        }
    }

    private void readFeed(Random random) {
        ChaosStack.Instance feed = instance("feed", 0);
        while (running) {
            String path = switch (random.nextInt(3)) {
                case 0 -> "/feed";
                case 1 -> "/trending?limit=5";
                default -> "/summaries/" + products.get(random.nextInt(PRODUCTS));
            };
            record(FEED_READ, feed, call("GET", feed.uri(path), null, null), path, -1);
            pause(random, 30);
        }
    }

    private void record(String kind, ChaosStack.Instance instance, Answer answer, String subject, long value) {
        history.record(new History.Op(kind, instance.name(), answer.start(), answer.end(), answer.status(),
                answer.problem(), subject, value, phase.get()));
    }

    private String item(Random random) {
        return "chaos-p" + phase.get() + "-" + random.nextInt(ITEMS);
    }

    private ChaosStack.Instance instance(String service, int index) {
        return stack.instances(service).get(index);
    }

    private ChaosStack.Instance anyInstance(String service, Random random) {
        List<ChaosStack.Instance> instances = stack.instances(service);
        return instances.get(random.nextInt(instances.size()));
    }

    private void spawn(String name, java.util.function.Consumer<Random> loop) {
        Random random = new Random(seed * 31 + name.hashCode());
        Thread thread = new Thread(() -> loop.accept(random), "chaos-" + name);
        thread.setDaemon(true);
        threads.add(thread);
        thread.start();
    }

    private static void pause(Random random, int meanMillis) {
        try {
            Thread.sleep(meanMillis / 2 + random.nextInt(meanMillis + 1));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String productBody(String sku, int round) {
        return "{\"sku\":\"" + sku + "\",\"name\":\"chaos product r" + round
                + "\",\"description\":\"written by the fault suite\",\"price\":" + (round % 1000) + ".50,"
                + "\"currency\":\"EUR\",\"category\":\"chaos\"}";
    }

    private static String credentials(String username, String password) {
        return "{\"username\":\"" + username + "\",\"password\":\"" + password + "\"}";
    }

    /** An answer, or none ({@link History#NO_ANSWER}), with when the request was sent and answered. */
    record Answer(long start, long end, int status, boolean problem, String body) {

        boolean ok() {
            return status >= 200 && status < 300;
        }

        JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new IllegalStateException("not JSON (" + status + "): " + body, e);
            }
        }

        /** A number field of a 2xx answer, or -1. */
        long field(String name) {
            if (!ok()) {
                return -1;
            }
            JsonNode node = json().get(name);
            return node == null ? -1 : node.asLong();
        }
    }

    private Answer call(String method, URI uri, String body, String token, String... headers) {
        HttpRequest request = ApiCalls.request(method, uri, body, token, REQUEST_TIMEOUT, headers);
        long start = history.now();
        try {
            HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
            boolean problem = response.headers().firstValue("Content-Type").orElse("")
                    .startsWith("application/problem+json");
            return new Answer(start, history.now(), response.statusCode(), problem, response.body());
        } catch (IOException e) {
            return new Answer(start, history.now(), History.NO_ANSWER, false, "");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Answer(start, history.now(), History.NO_ANSWER, false, "");
        }
    }
}
