package io.cachepatterns.bench;

import io.cachepatterns.testsupport.CpuPinning;
import io.cachepatterns.testsupport.Servers;
import io.cachepatterns.testsupport.ServiceProcess;
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
 * <p>Arguments: repository root, seconds of warm-up per target, seconds per round, rounds, connections.
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
        // 30 s: a server alone on one core is still compiling its hot path after 10 s (its first round, measured
        // after a 10 s warm-up, was half of the next ones).
        Duration warmUp = Duration.ofSeconds(args.length > 1 ? Long.parseLong(args[1]) : 30);
        Duration round = Duration.ofSeconds(args.length > 2 ? Long.parseLong(args[2]) : 10);
        int rounds = args.length > 3 ? Integer.parseInt(args[3]) : 5;
        int connections = args.length > 4 ? Integer.parseInt(args[4]) : 32;
        Path logs = root.resolve("target/bench");
        Path catalogJar = root.resolve("catalog-service/target/quarkus-app/quarkus-run.jar");

        List<AutoCloseable> running = new ArrayList<>();
        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
        try (Servers servers = Servers.start()) {
            System.out.println("servers: " + servers.description());
            servers.createDatabase("catalog");
            List<String> cachedJvm = new ArrayList<>(SERVICE_JVM);
            if (System.getenv("BENCH_PROFILE") != null) {
                // A CPU profile of the cached service, for `jfr print --events jdk.ExecutionSample`.
                cachedJvm.add("-XX:StartFlightRecording=filename=" + logs.resolve("catalog-cached.jfr")
                        + ",settings=profile");
            }
            ServiceProcess cached = ServiceProcess.start("catalog-cached", catalogJar,
                    ServiceProcess.environment(servers, "catalog", CACHED_PORT), cachedJvm, logs);
            running.add(cached);
            Map<String, String> uncachedEnv = new HashMap<>(ServiceProcess.environment(servers, "catalog",
                    UNCACHED_PORT));
            uncachedEnv.put("PRODUCTS_CACHE_ENABLED", "false");
            running.add(ServiceProcess.start("catalog-uncached", catalogJar, uncachedEnv, SERVICE_JVM, logs));
            running.add(HelperServer.start("limit-server", LimitServer.class, LIMIT_PORT, List.of(
                    String.valueOf(LIMIT_PORT), servers.redisUrl(), "catalog:products:v1:"), logs));

            long id = createProduct(cached.uri("/products"));
            String path = "/products/" + id;
            String firstSource = get(cached.uri(path));
            System.out.printf("product %d created; first read %s, second read %s%n", id, firstSource,
                    get(cached.uri(path)));

            LoadGenerator load = new LoadGenerator(vertx, connections);
            System.out.println(CpuPinning.describe());
            System.out.printf("%d connections; %ds warm-up per target, then %d rounds of %ds, targets"
                            + " interleaved so that drift on a shared machine hits all of them alike%n",
                    connections, warmUp.toSeconds(), rounds,
                    round.toSeconds());
            List<Target> targets = List.of(new Target("limit server (Vert.x + 1 Redis GET)", LIMIT_PORT),
                    new Target("catalog, cache hits", CACHED_PORT),
                    new Target("catalog, cache off (PostgreSQL)", UNCACHED_PORT));
            for (Target target : targets) {
                load.run(target.name(), target.port(), path, warmUp, Duration.ofSeconds(1));
            }
            for (int i = 1; i <= rounds; i++) {
                StringBuilder line = new StringBuilder("round " + i + ":");
                for (Target target : targets) {
                    LoadGenerator.Result result = load.run(target.name(), target.port(), path, Duration.ZERO, round);
                    target.results().add(result);
                    line.append(String.format("  %.0f/s", result.requestsPerSecond()));
                }
                System.out.println(line);
            }

            Target limit = targets.get(0);
            System.out.println();
            System.out.printf("%-38s %12s %9s %9s %10s %10s %7s%n", "GET /products/{id} (medians)", "requests/s",
                    "p50 ms", "p99 ms", "x limit", "p99/limit", "errors");
            for (Target target : targets) {
                System.out.printf("%-38s %12.0f %9.2f %9.2f %9.2fx %9.2fx %7d%n", target.name(),
                        target.medianRequestsPerSecond(), target.median(LoadGenerator.Result::p50Millis),
                        target.median(LoadGenerator.Result::p99Millis), target.medianRatioTo(limit,
                                LoadGenerator.Result::requestsPerSecond),
                        target.medianRatioTo(limit, LoadGenerator.Result::p99Millis), target.errors());
            }
            Target hits = targets.get(1);
            double throughput = hits.medianRatioTo(limit, LoadGenerator.Result::requestsPerSecond);
            double p99 = hits.medianRatioTo(limit, LoadGenerator.Result::p99Millis);
            System.out.printf("%ntarget: cache hits >= 0.70x the limit server's requests/s with p99 <= 2x its p99:"
                    + " %s (%.2fx, p99 %.2fx)%n", throughput >= 0.7 && p99 <= 2 ? "MET" : "NOT MET", throughput, p99);
        } finally {
            for (AutoCloseable process : running) {
                process.close();
            }
            vertx.close();
        }
    }

    /** One server under load, and what each round measured. */
    private record Target(String name, int port, List<LoadGenerator.Result> results) {

        Target(String name, int port) {
            this(name, port, new ArrayList<>());
        }

        double medianRequestsPerSecond() {
            return median(LoadGenerator.Result::requestsPerSecond);
        }

        double median(java.util.function.ToDoubleFunction<LoadGenerator.Result> metric) {
            return medianOf(results.stream().mapToDouble(metric).toArray());
        }

        /** The median of the per-round ratios: each round's pair ran back to back, under the same conditions. */
        double medianRatioTo(Target other, java.util.function.ToDoubleFunction<LoadGenerator.Result> metric) {
            double[] ratios = new double[results.size()];
            for (int i = 0; i < ratios.length; i++) {
                ratios[i] = metric.applyAsDouble(results.get(i)) / metric.applyAsDouble(other.results.get(i));
            }
            return medianOf(ratios);
        }

        long errors() {
            return results.stream().mapToLong(LoadGenerator.Result::errors).sum();
        }

        private static double medianOf(double[] values) {
            double[] sorted = values.clone();
            java.util.Arrays.sort(sorted);
            int middle = sorted.length / 2;
            return sorted.length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
        }
    }

    private static long createProduct(URI products) throws IOException, InterruptedException {
        String body = "{\"sku\":\"bench-" + System.nanoTime() + "\",\"name\":\"Benchmark kettle\","
                + "\"description\":\"A product read many times\",\"price\":\"49.90\",\"currency\":\"EUR\","
                + "\"category\":\"kitchen\"}";
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(products)
                .header("content-type", "application/json")
                .header("Authorization", "Bearer " + ServiceProcess.LOCAL_ADMIN_TOKEN)
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
}
