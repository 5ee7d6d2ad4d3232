package io.cachepatterns.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A real Prometheus (Debian's {@code prometheus} binary) on a free loopback port, scraping the services given to it
 * every second with the project's alert rules loaded: for tests that check the dashboard's queries and the alerts'
 * expressions against what the services really export.
 */
public final class LocalPrometheus implements AutoCloseable {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final Process process;
    private final Path dir;
    private final int port;

    private LocalPrometheus(Process process, Path dir, int port) {
        this.process = process;
        this.dir = dir;
        this.port = port;
    }

    /** The binary: {@code PROMETHEUS_BIN}, else {@code prometheus} in /usr/bin or /usr/local/bin; null if none. */
    public static Path binary() {
        String configured = System.getenv("PROMETHEUS_BIN");
        if (configured != null && Files.isExecutable(Path.of(configured))) {
            return Path.of(configured);
        }
        for (String candidate : List.of("/usr/bin/prometheus", "/usr/local/bin/prometheus")) {
            if (Files.isExecutable(Path.of(candidate))) {
                return Path.of(candidate);
            }
        }
        return null;
    }

    /** Scrapes each {@code job → host:port} at {@code /q/metrics} every second, evaluating {@code rules}. */
    public static LocalPrometheus start(Map<String, String> targets, Path rules) {
        Path binary = binary();
        if (binary == null) {
            throw new IllegalStateException("no prometheus binary (apt-get install prometheus, or PROMETHEUS_BIN)");
        }
        try {
            Path dir = Files.createTempDirectory("prometheus");
            Files.copy(rules, dir.resolve("rules.yml"));
            StringBuilder config = new StringBuilder("global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
                    + "rule_files:\n  - rules.yml\nscrape_configs:\n");
            targets.forEach((job, target) -> config.append("  - job_name: ").append(job)
                    .append("\n    metrics_path: /q/metrics\n    static_configs: [{targets: [\"").append(target)
                    .append("\"]}]\n"));
            Files.writeString(dir.resolve("prometheus.yml"), config);
            int port = LocalServers.freePort();
            Process process = new ProcessBuilder(binary.toString(), "--config.file=" + dir.resolve("prometheus.yml"),
                    "--storage.tsdb.path=" + dir.resolve("data"), "--web.listen-address=127.0.0.1:" + port)
                    .redirectErrorStream(true).redirectOutput(dir.resolve("prometheus.log").toFile()).start();
            LocalPrometheus prometheus = new LocalPrometheus(process, dir, port);
            Processes.waitUntil(Duration.ofSeconds(30), prometheus::ready,
                    () -> "prometheus did not become ready; log:\n" + Processes.tail(dir.resolve("prometheus.log")));
            return prometheus;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private boolean ready() {
        try {
            return get("/-/ready").statusCode() == 200;
        } catch (IOException e) {
            return false;
        }
    }

    /** The JSON answer of an instant query. */
    public String query(String promql) throws IOException {
        HttpResponse<String> answer = get("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8));
        if (answer.statusCode() != 200) {
            throw new IllegalArgumentException(promql + ": " + answer.body());
        }
        return answer.body();
    }

    /** Whether an instant query returns at least one series. */
    public boolean hasSeries(String promql) throws IOException {
        return !query(promql).contains("\"result\":[]");
    }

    /** The log, for a failure message. */
    public String log() {
        return Processes.tail(dir.resolve("prometheus.log"));
    }

    private HttpResponse<String> get(String path) throws IOException {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    @Override
    public void close() {
        Processes.terminate(process);
        Processes.deleteTree(dir);
    }
}
