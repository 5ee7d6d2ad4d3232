package io.cachepatterns.bench;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;

/**
 * A closed-loop HTTP load generator: {@code connections} keep-alive connections, each sending its next GET as soon
 * as the previous answer arrives. Runs on one event loop, so it takes at most one core from the servers it measures.
 */
final class LoadGenerator {

    record Result(String target, long requests, long errors, double seconds, Histogram latencyMicros) {

        double requestsPerSecond() {
            return requests / seconds;
        }

        double p50Millis() {
            return latencyMicros.getValueAtPercentile(50) / 1000.0;
        }

        double p99Millis() {
            return latencyMicros.getValueAtPercentile(99) / 1000.0;
        }
    }

    private final Vertx vertx;
    private final int connections;
    private final HttpMethod method;
    private final int expectedStatus;
    /** Sent as {@code Authorization} with every request, or {@code null}. */
    private final String authorization;

    /** GETs answered 200. */
    LoadGenerator(Vertx vertx, int connections) {
        this(vertx, connections, HttpMethod.GET, 200);
    }

    LoadGenerator(Vertx vertx, int connections, HttpMethod method, int expectedStatus) {
        this(vertx, connections, method, expectedStatus, null);
    }

    /** Every request carries {@code authorization} (a trusted caller's token, say). */
    LoadGenerator(Vertx vertx, int connections, HttpMethod method, int expectedStatus, String authorization) {
        this.vertx = vertx;
        this.connections = connections;
        this.method = method;
        this.expectedStatus = expectedStatus;
        this.authorization = authorization;
    }

    /** Loads {@code path} on {@code port}: {@code warmUp} unrecorded, then {@code measure} recorded. */
    Result run(String target, int port, String path, Duration warmUp, Duration measure) throws InterruptedException {
        return run(target, port, () -> path, warmUp, measure);
    }

    /** Like {@link #run(String, int, String, Duration, Duration)}, each request to the next of {@code paths}. */
    Result run(String target, int port, java.util.function.Supplier<String> paths, Duration warmUp, Duration measure)
            throws InterruptedException {
        HttpClient client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true)
                .setDefaultHost("127.0.0.1").setDefaultPort(port), new PoolOptions().setHttp1MaxSize(connections));
        Histogram histogram = new Histogram(TimeUnit.SECONDS.toMicros(10), 3);
        AtomicLong requests = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        long start = System.nanoTime();
        long recordFrom = start + warmUp.toNanos();
        long end = recordFrom + measure.toNanos();
        CountDownLatch done = new CountDownLatch(connections);
        // The client's callbacks all run on this one context, so the histogram needs no lock.
        vertx.runOnContext(ignored -> {
            for (int i = 0; i < connections; i++) {
                next(client, paths, histogram, requests, errors, recordFrom, end, done);
            }
        });
        done.await();
        client.close();
        return new Result(target, requests.get(), errors.get(), measure.toNanos() / 1e9, histogram);
    }

    private void next(HttpClient client, java.util.function.Supplier<String> paths, Histogram histogram, AtomicLong requests, AtomicLong errors,
                      long recordFrom, long end, CountDownLatch done) {
        long sent = System.nanoTime();
        if (sent >= end) {
            done.countDown();
            return;
        }
        client.request(method, paths.get())
                .compose(request -> (authorization == null ? request : request.putHeader("Authorization",
                        authorization)).send().compose(response -> response.body().map(response.statusCode())))
                .onComplete(result -> {
                    long now = System.nanoTime();
                    if (sent >= recordFrom && now <= end) {
                        if (result.succeeded() && result.result() == expectedStatus) {
                            requests.incrementAndGet();
                            histogram.recordValue(Math.max(1, (now - sent) / 1000));
                        } else {
                            errors.incrementAndGet();
                        }
                    }
                    next(client, paths, histogram, requests, errors, recordFrom, end, done);
                });
    }
}
