package io.cachepatterns.bench;

import io.cachepatterns.testsupport.ServiceProcess;
import io.cachepatterns.testsupport.Servers;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Cache hits of {@code GET /products/{id}} on catalog-service, against the same service with its cache off and
 * against the limit server (one Redis GET behind a bare Vert.x server), one after another in one run.
 *
 * <p>Arguments: repository root, seconds of warm-up, seconds measured, connections.
 */
public final class CatalogBenchmark {

    private static final int CACHED_PORT = 18081;
    private static final int UNCACHED_PORT = 18091;
    private static final int LIMIT_PORT = 18099;
    private static final List<String> SERVICE_JVM = List.of("-Xmx512m");

    private CatalogBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        Path root = Path.of(args.length > 0 ? args[0] : ".").toAbsolutePath().normalize();
        Duration warmUp = Duration.ofSeconds(args.length > 1 ? Long.parseLong(args[1]) : 5);
        Duration measure = Duration.ofSeconds(args.length > 2 ? Long.parseLong(args[2]) : 15);
        int connections = args.length > 3 ? Integer.parseInt(args[3]) : 32;
        Path logs = root.resolve("target/bench");
        Path catalogJar = root.resolve("catalog-service/target/quarkus-app/quarkus-run.jar");

        List<AutoCloseable> running = new ArrayList<>();
        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
        try (Servers servers = Servers.start()) {
            System.out.println("servers: " + servers.description());
            servers.createDatabase("catalog");
            ServiceProcess cached = ServiceProcess.start("catalog-cached", catalogJar,
                    ServiceProcess.environment(servers, "catalog", CACHED_PORT), SERVICE_JVM, logs);
            running.add(cached);
            Map<String, String> uncachedEnv = new HashMap<>(ServiceProcess.environment(servers, "catalog",
                    UNCACHED_PORT));
            uncachedEnv.put("PRODUCTS_CACHE_ENABLED", "false");
            running.add(ServiceProcess.start("catalog-uncached", catalogJar, uncachedEnv, SERVICE_JVM, logs));
            running.add(startLimitServer(servers.redisUrl(), logs));

            long id = createProduct(cached.uri("/products"));
            String path = "/products/" + id;
            String firstSource = get(cached.uri(path));
            System.out.printf("product %d created; first read %s, second read %s%n", id, firstSource,
                    get(cached.uri(path)));

            LoadGenerator load = new LoadGenerator(vertx, connections);
            System.out.printf("%d cores; %d connections; %ds warm-up, %ds measured per target%n",
                    Runtime.getRuntime().availableProcessors(), connections, warmUp.toSeconds(), measure.toSeconds());
            LoadGenerator.Result limit = load.run("limit server (Vert.x + 1 Redis GET)", LIMIT_PORT, path, warmUp,
                    measure);
            LoadGenerator.Result hits = load.run("catalog, cache hits", CACHED_PORT, path, warmUp, measure);
            LoadGenerator.Result uncached = load.run("catalog, cache off (PostgreSQL)", UNCACHED_PORT, path, warmUp,
                    measure);

            System.out.println();
            System.out.printf("%-38s %12s %9s %9s %10s %10s %7s%n", "GET /products/{id}", "requests/s", "p50 ms",
                    "p99 ms", "x limit", "p99/limit", "errors");
            for (LoadGenerator.Result r : List.of(limit, hits, uncached)) {
                System.out.printf("%-38s %12.0f %9.2f %9.2f %9.2fx %9.2fx %7d%n", r.target(), r.requestsPerSecond(),
                        r.p50Millis(), r.p99Millis(), r.requestsPerSecond() / limit.requestsPerSecond(),
                        r.p99Millis() / limit.p99Millis(), r.errors());
            }
            System.out.printf("%ntarget: cache hits >= 0.70x the limit server's requests/s with p99 <= 2x its p99:"
                            + " %s (%.2fx, p99 %.2fx)%n",
                    hits.requestsPerSecond() >= 0.7 * limit.requestsPerSecond()
                            && hits.p99Millis() <= 2 * limit.p99Millis() ? "MET" : "NOT MET",
                    hits.requestsPerSecond() / limit.requestsPerSecond(), hits.p99Millis() / limit.p99Millis());
        } finally {
            for (AutoCloseable process : running) {
                process.close();
            }
            vertx.close();
        }
    }

    private static AutoCloseable startLimitServer(String redisUrl, Path logs) throws IOException {
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-cp", System.getProperty("java.class.path"), LimitServer.class.getName(),
                String.valueOf(LIMIT_PORT), redisUrl, "catalog:products:v1:");
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(logs.resolve("limit-server.log").toFile()).start();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            try {
                get(URI.create("http://127.0.0.1:" + LIMIT_PORT + "/q/health/ready"));
                return process::destroy;
            } catch (IOException e) {
                sleep();
            }
        }
        process.destroyForcibly();
        throw new IllegalStateException("the limit server did not start; see " + logs.resolve("limit-server.log"));
    }

    private static long createProduct(URI products) throws IOException, InterruptedException {
        String body = "{\"sku\":\"bench-" + System.nanoTime() + "\",\"name\":\"Benchmark kettle\","
                + "\"description\":\"A product read many times\",\"price\":\"49.90\",\"currency\":\"EUR\","
                + "\"category\":\"kitchen\"}";
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(products)
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        Matcher id = Pattern.compile("\"id\":(\\d+)").matcher(response.body());
        if (response.statusCode() != 201 || !id.find()) {
            throw new IllegalStateException("cannot create the product: " + response.statusCode() + " "
                    + response.body());
        }
        return Long.parseLong(id.group(1));
    }

    /** The X-Cache header of a GET, or "-" where there is none. */
    private static String get(URI uri) throws IOException {
        try {
            HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(uri).build(),
                    HttpResponse.BodyHandlers.ofString());
            return response.headers().firstValue("X-Cache").orElse("-");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    private static void sleep() {
        try {
            Thread.sleep(200);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
