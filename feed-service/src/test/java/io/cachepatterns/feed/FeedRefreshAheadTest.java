package io.cachepatterns.feed;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import io.cachepatterns.feed.home.service.FeedService;
import io.cachepatterns.testsupport.RealServersResource;
import io.cachepatterns.testsupport.StandInServer;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.faulttolerance.api.CircuitBreakerMaintenance;
import io.smallrye.faulttolerance.api.CircuitBreakerState;
import jakarta.inject.Inject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The homepage feed is refresh-ahead: rebuilt in the background before its TTL (2 s in tests) ends, so that no
 * reader waits for a rebuild, and served stale while its upstreams are down. The upstreams are a local stand-in
 * whose every answer takes 150 ms: a feed build (newest products, then their counters; the summaries are cached)
 * takes ~300 ms.
 */
@QuarkusTest
@WithTestResource(value = RealServersResource.class, initArgs = @ResourceArg(name = "database", value = "none"))
@WithTestResource(UpstreamStandIn.class)
class FeedRefreshAheadTest {

    private static final Duration UPSTREAM_LATENCY = Duration.ofMillis(150);
    private static final Duration TTL = Duration.ofSeconds(2);

    @TestHTTPResource("/feed")
    URI feedUri;

    @Inject
    FeedService feed;

    @Inject
    CircuitBreakerMaintenance breakers;

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private StandInServer upstream;

    @BeforeEach
    void slowUpstream() {
        upstream = UpstreamStandIn.server();
        upstream.latency(UPSTREAM_LATENCY);
        upstream.down(false);
    }

    @AfterEach
    void upstreamBack() {
        upstream.down(false);
    }

    @Test
    void readsAcrossFiveTtlsNeverWaitForARebuild() throws Exception {
        awaitFeed();
        int buildsBefore = newestRequests().size();

        long end = System.nanoTime() + TTL.multipliedBy(5).toNanos();
        AtomicLong slowest = new AtomicLong();
        List<String> sources = Collections.synchronizedList(new ArrayList<>());
        List<Thread> readers = new ArrayList<>();
        for (int r = 0; r < 4; r++) {
            Thread reader = new Thread(() -> {
                while (System.nanoTime() < end) {
                    long start = System.nanoTime();
                    HttpResponse<String> response = get();
                    slowest.accumulateAndGet(System.nanoTime() - start, Math::max);
                    sources.add(response.statusCode() + " " + response.headers().firstValue("X-Cache").orElse("-"));
                    sleep(Duration.ofMillis(5));
                }
            });
            reader.start();
            readers.add(reader);
        }
        for (Thread reader : readers) {
            reader.join();
        }
        List<Long> builds = newestRequests().subList(buildsBefore, newestRequests().size());

        System.out.printf("feed over five TTLs: %d reads, slowest %.1f ms, %d rebuilds%n", sources.size(),
                slowest.get() / 1e6, builds.size());
        assertThat(sources).as("every read a hit").containsOnly("200 HIT");
        assertThat(Duration.ofNanos(slowest.get())).as("the slowest of %d reads; a build takes ~300 ms", sources.size())
                .isLessThan(Duration.ofMillis(200));
        // The schedule: a rebuild starts once the feed is 1 s old (refresh-factor 0.5) and takes ~0.3 s, so one
        // starts every ~1.3 s (7–8 in 10 s): at least one per TTL, at most one per half TTL, and never sooner than
        // 1 s after the last, so never two at once.
        assertThat(builds.size()).as("rebuilds in five TTLs").isBetween(5, 10);
        for (int i = 1; i < builds.size(); i++) {
            assertThat(Duration.ofNanos(builds.get(i) - builds.get(i - 1))).as("time between rebuild %d and %d", i, i + 1)
                    .isBetween(TTL.dividedBy(2), TTL);
        }
    }

    @Test
    void twoHundredConcurrentFirstRequestsMakeOneUpstreamCall() {
        awaitFeed();
        feed.invalidate().await().indefinitely();
        int before = newestRequests().size();

        List<CompletableFuture<HttpResponse<String>>> responses = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            responses.add(http.sendAsync(HttpRequest.newBuilder(feedUri).build(),
                    HttpResponse.BodyHandlers.ofString()));
        }
        List<String> statuses = responses.stream().map(CompletableFuture::join)
                .map(response -> String.valueOf(response.statusCode())).distinct().toList();

        assertThat(statuses).containsOnly("200");
        assertThat(newestRequests().size() - before).as("feed builds for 200 concurrent cold reads").isEqualTo(1);
    }

    @Test
    void upstreamDownServesTheLastFeedMarkedStaleAndRecovers() {
        String generatedAt = awaitFeed();
        upstream.down(true);
        sleep(TTL.plusMillis(500));

        given().when().get("/feed").then().statusCode(200)
                .header("X-Cache", "STALE").body("stale", equalTo(true)).body("generatedAt", equalTo(generatedAt));
        awaitOpen("catalog-newest");
        given().when().get("/q/health/ready").then().statusCode(200); // an upstream down is not this service down

        feed.invalidate().await().indefinitely();
        given().when().get("/feed").then().statusCode(503).contentType("application/problem+json")
                .body("status", equalTo(503));

        upstream.down(false);
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        HttpResponse<String> response = get();
        while (response.statusCode() != 200 && System.nanoTime() < deadline) {
            sleep(Duration.ofMillis(200));
            response = get();
        }
        assertThat(response.statusCode()).as("the feed is back after the upstream and its breaker").isEqualTo(200);
        assertThat(response.body()).contains("\"stale\":false");
    }

    private void awaitOpen(String breaker) {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (breakers.currentState(breaker) != CircuitBreakerState.OPEN) {
            assertThat(System.nanoTime()).as("breaker %s opens", breaker).isLessThan(deadline);
            sleep(Duration.ofMillis(20));
        }
    }

    /** Waits until a feed is cached; its generatedAt. */
    private String awaitFeed() {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (true) {
            var response = given().when().get("/feed");
            if (response.statusCode() == 200 && !"STALE".equals(response.header("X-Cache"))) {
                return response.jsonPath().getString("generatedAt");
            }
            assertThat(System.nanoTime()).as("a feed is built").isLessThan(deadline);
            sleep(Duration.ofMillis(100));
        }
    }

    private List<Long> newestRequests() {
        return upstream.arrivals(UpstreamStandIn.PRODUCTS).stream()
                .filter(arrival -> "newest".equals(arrival.request().query().get("sort")))
                .map(StandInServer.Arrival::nanos).toList();
    }

    private HttpResponse<String> get() {
        try {
            return http.send(HttpRequest.newBuilder(feedUri).build(), HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
