package io.cachepatterns.bench;

import io.cachepatterns.testsupport.CpuPinning;
import io.cachepatterns.testsupport.Servers;
import io.cachepatterns.testsupport.ServiceProcess;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.HdrHistogram.Histogram;

/**
 * Writes, then an immediate read of what was written: profile-service's PUT (write-through: commit, then write
 * the new version to Redis) next to catalog-service's PUT (cache-aside: commit, then invalidate), each followed by
 * a GET that must return what the PUT wrote. Prints PUT latency, how many GETs were fresh, and how many were hits.
 *
 * <p>The two PUTs are not the same request: the profile PUT also checks the caller's session (one Redis read on a
 * hit) and locks the row. Read the difference as "what a write-through write costs in a real service", not as the
 * cost of one Redis command.
 *
 * <p>Arguments: repository root, seconds per target, concurrent clients.
 */
public final class WriteBenchmark {

    private static final String OPERATOR = "Bearer " + ServiceProcess.LOCAL_ADMIN_TOKEN;

    private static final int CATALOG_PORT = 18181;
    private static final int PROFILE_PORT = 18182;
    private static final Pattern ID = Pattern.compile("\"id\":(\\d+)");
    private static final Pattern TOKEN = Pattern.compile("\"token\":\"([^\"]+)\"");

    private WriteBenchmark() {
    }

    /** One client's object to write: its URL, the headers a write needs, and a body with a marker in it. */
    private interface Writer {
        HttpRequest put(String marker);

        URI readUri();

        String markerField();
    }

    private record Result(String target, Histogram putMicros, long pairs, long fresh, long hits) {
    }

    public static void main(String[] args) throws Exception {
        Path root = Path.of(args.length > 0 ? args[0] : ".").toAbsolutePath().normalize();
        Duration run = Duration.ofSeconds(args.length > 1 ? Long.parseLong(args[1]) : 15);
        int clients = args.length > 2 ? Integer.parseInt(args[2]) : 8;
        Path logs = root.resolve("target/bench");
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

        try (Servers servers = Servers.start()) {
            servers.createDatabase("catalog");
            servers.createDatabase("profile");
            try (ServiceProcess catalog = ServiceProcess.start("catalog-writes",
                         root.resolve("catalog-service/target/quarkus-app/quarkus-run.jar"),
                         ServiceProcess.environment(servers, "catalog", CATALOG_PORT), List.of("-Xmx512m"), logs);
                 ServiceProcess profile = ServiceProcess.start("profile-writes",
                         root.resolve("profile-service/target/quarkus-app/quarkus-run.jar"),
                         ServiceProcess.environment(servers, "profile", PROFILE_PORT), List.of("-Xmx512m"), logs)) {

                List<Writer> products = new ArrayList<>();
                List<Writer> profiles = new ArrayList<>();
                for (int i = 0; i < clients; i++) {
                    products.add(productWriter(http, catalog, i));
                    profiles.add(profileWriter(http, profile, i));
                }
                System.out.println(CpuPinning.describe());
                System.out.printf("%d clients, each writing its own row: PUT, then GET it at once;"
                        + " %ds per target after a %ds warm-up%n", clients, run.toSeconds(), 5);
                measure("warm-up", http, products, Duration.ofSeconds(5));
                measure("warm-up", http, profiles, Duration.ofSeconds(5));
                Result writeThrough = measure("write-through (profile PUT)", http, profiles, run);
                Result invalidate = measure("commit + invalidate (catalog PUT)", http, products, run);

                System.out.println();
                System.out.printf("%-36s %10s %10s %10s %14s %12s%n", "PUT, then GET", "PUTs", "p50 ms", "p99 ms",
                        "fresh GETs", "GET hits");
                for (Result r : List.of(writeThrough, invalidate)) {
                    System.out.printf("%-36s %10d %10.2f %10.2f %13.2f%% %11.2f%%%n", r.target(), r.pairs(),
                            r.putMicros().getValueAtPercentile(50) / 1000.0,
                            r.putMicros().getValueAtPercentile(99) / 1000.0, 100.0 * r.fresh() / r.pairs(),
                            100.0 * r.hits() / r.pairs());
                }
            }
        }
    }

    private static Result measure(String target, HttpClient http, List<Writer> writers, Duration run)
            throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(writers.size());
        long end = System.nanoTime() + run.toNanos();
        List<Future<Result>> results = new ArrayList<>();
        for (Writer writer : writers) {
            results.add(pool.submit(() -> {
                Histogram puts = new Histogram(TimeUnit.SECONDS.toMicros(10), 3);
                long pairs = 0;
                long fresh = 0;
                long hits = 0;
                while (System.nanoTime() < end) {
                    String marker = "m" + System.nanoTime();
                    long start = System.nanoTime();
                    HttpResponse<String> put = http.send(writer.put(marker), HttpResponse.BodyHandlers.ofString());
                    puts.recordValue(Math.max(1, (System.nanoTime() - start) / 1000));
                    if (put.statusCode() != 200) {
                        throw new IllegalStateException(target + ": PUT answered " + put.statusCode() + " "
                                + put.body());
                    }
                    HttpResponse<String> get = http.send(HttpRequest.newBuilder(writer.readUri()).build(),
                            HttpResponse.BodyHandlers.ofString());
                    pairs++;
                    if (get.body().contains("\"" + writer.markerField() + "\":\"" + marker + "\"")) {
                        fresh++;
                    }
                    if ("HIT".equals(get.headers().firstValue("X-Cache").orElse(""))) {
                        hits++;
                    }
                }
                return new Result(target, puts, pairs, fresh, hits);
            }));
        }
        Histogram all = new Histogram(TimeUnit.SECONDS.toMicros(10), 3);
        long pairs = 0;
        long fresh = 0;
        long hits = 0;
        for (Future<Result> future : results) {
            Result r = future.get();
            all.add(r.putMicros());
            pairs += r.pairs();
            fresh += r.fresh();
            hits += r.hits();
        }
        pool.shutdown();
        return new Result(target, all, pairs, fresh, hits);
    }

    private static Writer productWriter(HttpClient http, ServiceProcess catalog, int client) throws Exception {
        String sku = "write-bench-" + client + "-" + System.nanoTime();
        String body = product(sku, "initial");
        HttpResponse<String> created = http.send(HttpRequest.newBuilder(catalog.uri("/products"))
                .header("content-type", "application/json").header("Authorization", OPERATOR).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        long id = idOf(created);
        URI uri = catalog.uri("/products/" + id);
        return new Writer() {
            @Override
            public HttpRequest put(String marker) {
                return HttpRequest.newBuilder(uri).header("content-type", "application/json")
                        .header("Authorization", OPERATOR)
                        .PUT(HttpRequest.BodyPublishers.ofString(product(sku, marker))).build();
            }

            @Override
            public URI readUri() {
                return uri;
            }

            @Override
            public String markerField() {
                return "name";
            }
        };
    }

    private static Writer profileWriter(HttpClient http, ServiceProcess profile, int client) throws Exception {
        String username = "bench_" + client + "_" + (System.nanoTime() % 1_000_000_000L);
        String password = "benchmark password " + client;
        String registration = "{\"username\":\"" + username + "\",\"password\":\"" + password
                + "\",\"displayName\":\"initial\",\"email\":\"" + username + "@example.org\",\"bio\":\"bench\"}";
        HttpResponse<String> created = http.send(HttpRequest.newBuilder(profile.uri("/profiles"))
                .header("content-type", "application/json").header("Authorization", OPERATOR)
                .POST(HttpRequest.BodyPublishers.ofString(registration)).build(), HttpResponse.BodyHandlers.ofString());
        long id = idOf(created);
        HttpResponse<String> login = http.send(HttpRequest.newBuilder(profile.uri("/sessions"))
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"username\":\"" + username + "\",\"password\":\""
                        + password + "\"}")).build(), HttpResponse.BodyHandlers.ofString());
        Matcher token = TOKEN.matcher(login.body());
        if (!token.find()) {
            throw new IllegalStateException("login failed: " + login.statusCode() + " " + login.body());
        }
        String bearer = "Bearer " + token.group(1);
        URI uri = profile.uri("/profiles/" + id);
        return new Writer() {
            @Override
            public HttpRequest put(String marker) {
                return HttpRequest.newBuilder(uri).header("content-type", "application/json")
                        .header("authorization", bearer)
                        .PUT(HttpRequest.BodyPublishers.ofString("{\"displayName\":\"" + marker
                                + "\",\"email\":\"" + username + "@example.org\",\"bio\":\"bench\"}")).build();
            }

            @Override
            public URI readUri() {
                return uri;
            }

            @Override
            public String markerField() {
                return "displayName";
            }
        };
    }

    private static String product(String sku, String name) {
        return "{\"sku\":\"" + sku + "\",\"name\":\"" + name + "\",\"price\":\"9.99\",\"currency\":\"EUR\","
                + "\"category\":\"bench\"}";
    }

    private static long idOf(HttpResponse<String> created) {
        Matcher id = ID.matcher(created.body());
        if (created.statusCode() != 201 || !id.find()) {
            throw new IllegalStateException("create failed: " + created.statusCode() + " " + created.body());
        }
        return Long.parseLong(id.group(1));
    }
}
