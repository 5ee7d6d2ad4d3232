package io.cachepatterns.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.cachepatterns.testsupport.ServiceProcess;
import io.cachepatterns.testsupport.Servers;
import io.cachepatterns.testsupport.TestServers;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The packaged service, killed with {@code kill -9} while increments pour in and its flusher is at work: a second
 * instance, started afterwards, brings PostgreSQL to exactly the number of increments that were acknowledged.
 */
class CounterCrashIT {

    private static final Path JAR = Path.of("target/quarkus-app/quarkus-run.jar");
    private static final String DATABASE = "metrics_crash_it";

    @Test
    void aServiceKilledMidStreamLosesNoAcknowledgedIncrement() throws Exception {
        Servers servers = TestServers.get();
        servers.createDatabase(DATABASE);
        String item = "crash-" + System.nanoTime();
        // Flush every 200 ms, and claim a dead instance's entries after 1 s instead of 30.
        List<String> jvm = List.of("-Xmx256m", "-Dcache.counters.claim-idle=1s");
        Map<String, String> env = new HashMap<>(ServiceProcess.environment(servers, DATABASE, ServiceProcess.freePort()));
        env.put("COUNTERS_WRITE_DELAY", "200ms");
        Path logs = Path.of("target/it-logs");

        int acknowledged;
        ServiceProcess first = ServiceProcess.start("metrics-first", JAR, env, jvm, logs);
        try {
            acknowledged = pour(first, item, Duration.ofSeconds(3));
        } finally {
            first.kill(); // mid-stream: some entries flushed, some read but not acknowledged, some never read
        }
        assertThat(acknowledged).isGreaterThan(500);
        long beforeRestart = views(servers, item);
        System.out.printf("write-behind crash: %d increments acknowledged, %d in PostgreSQL when the service was"
                + " killed%n", acknowledged, beforeRestart);

        env.put("QUARKUS_HTTP_PORT", String.valueOf(ServiceProcess.freePort()));
        try (ServiceProcess second = ServiceProcess.start("metrics-second", JAR, env, jvm, logs)) {
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            long views = 0;
            while (System.nanoTime() < deadline && (views = views(servers, item)) < acknowledged) {
                Thread.sleep(200);
            }
            Thread.sleep(1_000); // and nothing more arrives afterwards: no entry was applied twice
            assertEquals(acknowledged, views(servers, item), "PostgreSQL has every acknowledged increment, once");
            assertEquals(acknowledged, views, "caught up");
        }
    }

    /**
     * POSTs views for {@code duration}, 16 at a time, as a trusted caller (anonymous views are rate-limited per
     * address); answers how many were acknowledged (202).
     */
    private static int pour(ServiceProcess service, String item, Duration duration) {
        HttpClient http = HttpClient.newHttpClient();
        HttpRequest request = HttpRequest.newBuilder(service.uri("/items/" + item + "/views"))
                .header("Authorization", "Bearer " + ServiceProcess.LOCAL_ADMIN_TOKEN).POST(HttpRequest.BodyPublishers.noBody()).build();
        AtomicInteger accepted = new AtomicInteger();
        long end = System.nanoTime() + duration.toNanos();
        List<CompletableFuture<Void>> workers = new ArrayList<>();
        for (int w = 0; w < 16; w++) {
            workers.add(CompletableFuture.runAsync(() -> {
                while (System.nanoTime() < end) {
                    try {
                        if (http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() == 202) {
                            accepted.incrementAndGet();
                        }
                    } catch (IOException e) {
                        return;
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
            }));
        }
        workers.forEach(CompletableFuture::join);
        return accepted.get();
    }

    private static long views(Servers servers, String item) throws Exception {
        return CounterRows.views(servers, DATABASE, item);
    }

}
