package io.cachepatterns.catalog.product;

import static io.cachepatterns.catalog.product.ProductApi.create;
import static io.cachepatterns.catalog.product.ProductApi.get;
import static io.cachepatterns.catalog.product.ProductApi.queries;
import static io.cachepatterns.catalog.product.ProductApi.rename;
import static io.cachepatterns.testsupport.StandInProfiles.OPERATOR;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.cachepatterns.shared.metrics.CacheMetrics;
import io.cachepatterns.testsupport.RealServersResource;
import io.cachepatterns.testsupport.Servers;
import io.cachepatterns.testsupport.TestServers;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Cache-aside's defining properties, shown against real Redis and PostgreSQL by counting the SELECTs that reach the
 * database.
 */
@QuarkusTest
@WithTestResource(RealServersResource.class)
class ProductCacheAsideTest {

    @Inject
    MeterRegistry registry;

    @TestHTTPResource("/products/")
    URI products;

    @AfterEach
    void noPause() {
        SlowProductRepository.pauseAfterRead(Duration.ZERO);
    }

    @Inject
    io.cachepatterns.shared.patterns.Caches caches;

    @Inject
    io.cachepatterns.catalog.config.CatalogConfig config;

    @Test
    void everyChangeIsAnnouncedAfterItsCommit() throws Exception {
        long id = create("announced");
        java.util.concurrent.BlockingQueue<String> heard = new java.util.concurrent.LinkedBlockingQueue<>();
        var subscription = caches.changeChannel(config.productChangesChannel()).subscribe(heard::add, () -> { });
        try {
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (!subscription.isUp()) {
                assertThat(System.nanoTime()).as("subscribed").isLessThan(deadline);
                Thread.sleep(10);
            }
            rename(id, "announced again");
            assertEquals(String.valueOf(id), heard.poll(2, java.util.concurrent.TimeUnit.SECONDS),
                    "the update, announced");
            io.restassured.RestAssured.given().header("Authorization", OPERATOR).when().delete("/products/" + id)
                    .then().statusCode(204);
            assertEquals(String.valueOf(id), heard.poll(2, java.util.concurrent.TimeUnit.SECONDS),
                    "the delete, announced");
        } finally {
            subscription.close();
        }
    }

    @Test
    void secondGetIsAHitAndQueriesNothing() {
        long id = create("hit");
        long before = queries(registry);

        get(id).then().statusCode(200).header("X-Cache", "MISS");
        get(id).then().statusCode(200).header("X-Cache", "HIT");
        get(id).then().statusCode(200).header("X-Cache", "HIT");

        assertEquals(1, queries(registry) - before, "one SELECT for the miss, none for the hits");
    }

    @Test
    void hitReturnsTheSameJsonAsTheMiss() {
        long id = create("same bytes");
        String miss = get(id).then().header("X-Cache", "MISS").extract().asString();
        String hit = get(id).then().header("X-Cache", "HIT").extract().asString();
        assertEquals(miss, hit);
        assertThat(hit).contains("\"name\":\"same bytes\"", "\"price\":19.90", "\"version\":0");
    }

    @Test
    void readAfterUpdateReturnsTheNewValue() {
        long id = create("before");
        get(id).then().header("X-Cache", "MISS");
        get(id).then().header("X-Cache", "HIT");

        rename(id, "after");

        Response read = get(id);
        read.then().statusCode(200).header("X-Cache", "MISS");
        assertEquals("after", read.jsonPath().getString("name"));
        assertEquals(1, read.jsonPath().getLong("version"));
    }

    @Test
    void deleteInvalidates() {
        long id = create("doomed");
        get(id).then().statusCode(200);
        io.restassured.RestAssured.given().header("Authorization", OPERATOR).delete("/products/" + id)
                .then().statusCode(204);
        get(id).then().statusCode(404).contentType("application/problem+json");
    }

    @Test
    void unknownIdIsRememberedAsAbsent() {
        long before = queries(registry);
        long unknown = 9_000_000_000L + System.nanoTime() % 1_000_000;
        get(unknown).then().statusCode(404).header("X-Cache", (String) null);
        get(unknown).then().statusCode(404);
        get(unknown).then().statusCode(404);
        assertEquals(1, queries(registry) - before, "the absence is cached: one SELECT for three reads");
    }

    @Test
    void hundredConcurrentColdReadsLoadOnce() {
        long id = create("cold");
        long before = queries(registry);
        // A slow load keeps the key cold while all hundred requests arrive.
        SlowProductRepository.pauseAfterRead(Duration.ofMillis(300));

        HttpClient client = HttpClient.newHttpClient();
        HttpRequest request = HttpRequest.newBuilder(products.resolve(String.valueOf(id))).build();
        List<CompletableFuture<HttpResponse<String>>> responses = IntStream.range(0, 100)
                .mapToObj(i -> client.sendAsync(request, HttpResponse.BodyHandlers.ofString()))
                .toList();

        List<HttpResponse<String>> done = responses.stream().map(CompletableFuture::join).toList();
        assertThat(done).allSatisfy(r -> {
            assertEquals(200, r.statusCode());
            assertThat(r.body()).contains("\"name\":\"cold\"");
        });
        var sources = done.stream().collect(java.util.stream.Collectors.groupingBy(
                r -> r.headers().firstValue("X-Cache").orElse("none"), java.util.stream.Collectors.counting()));
        assertEquals(1, queries(registry) - before, "100 concurrent misses of one key, one SELECT; sources " + sources);
    }

    @Test
    void slowLoadThatStraddlesAnUpdateNeverCachesTheOldValue() throws Exception {
        long id = create("old");
        double rejectedBefore = staleSetsRejected();
        SlowProductRepository.pauseAfterRead(Duration.ofMillis(1500));

        // The reader reads the old row, then stalls before writing it back.
        CompletableFuture<Response> slowRead = CompletableFuture.supplyAsync(() -> get(id));
        Thread.sleep(400);
        SlowProductRepository.pauseAfterRead(Duration.ZERO);
        rename(id, "new"); // commits, then invalidates: the slow reader's lease is void

        Response stale = slowRead.get();
        assertEquals("old", stale.jsonPath().getString("name"), "the slow read was true when it was read");
        assertEquals(1, staleSetsRejected() - rejectedBefore, 0.0, "its write-back was refused");

        Response next = get(id);
        assertEquals("new", next.jsonPath().getString("name"));
        next.then().header("X-Cache", "MISS");
        get(id).then().header("X-Cache", "HIT").body("name", org.hamcrest.Matchers.equalTo("new"));
    }

    @Test
    void withRedisStoppedReadsComeFromTheDatabaseAndCachingResumes() throws Exception {
        Servers servers = TestServers.get();
        Assumptions.assumeTrue(servers.canStopRedis(), "these servers are not ours to stop");
        long id = create("resilient");
        get(id).then().header("X-Cache", "MISS");

        servers.stopRedis();
        try {
            for (int i = 0; i < 30; i++) {
                get(id).then().statusCode(200).header("X-Cache", "DEGRADED");
            }
            rename(id, "written while Redis was down");
            Response read = get(id);
            read.then().statusCode(200).header("X-Cache", "DEGRADED");
            assertEquals("written while Redis was down", read.jsonPath().getString("name"));
        } finally {
            servers.startRedis();
        }

        // The breaker lets a trial call through after its delay; then the cache fills and serves again.
        awaitHit(id, "written while Redis was down", "caching resumed after Redis came back");
    }

    @Test
    void withRedisHangingReadsTimeOutToTheDatabaseAndThenStayOffRedis() throws Exception {
        Servers servers = TestServers.get();
        Assumptions.assumeTrue(servers.canStopRedis(), "these servers are not ours to freeze");
        long id = create("patient");
        get(id).then().header("X-Cache", "MISS");

        servers.freezeRedis(); // connections stay open, nothing answers: only the timeout helps
        try {
            for (int i = 0; i < 10; i++) {
                long start = System.nanoTime();
                get(id).then().statusCode(200).header("X-Cache", "DEGRADED");
                long millis = (System.nanoTime() - start) / 1_000_000;
                // Without a timeout this read would wait for Redis forever; the bound is the 250 ms timeout plus
                // slack for a loaded machine, not a speed target.
                assertThat(millis).as("read %d while Redis hangs", i).isLessThan(2_000);
            }
            // Reads are kept off the hung Redis, so that they do not wait for a timeout each: by the invalidation
            // fence the first timeout raised (until the relay finds nothing undelivered), else by the breaker.
            double fence = registry.get(CacheMetrics.FENCE_RAISED).gauge().value();
            double breaker = registry.get(CacheMetrics.BREAKER_STATE).gauge().value();
            assertThat(fence == 1.0 || breaker == 1.0).as("fence %s or breaker %s", fence, breaker).isTrue();
        } finally {
            servers.thawRedis();
        }

        awaitHit(id, "patient", "caching resumed after Redis thawed");
    }

    /** Reads until a hit, within 15 s; every read on the way must already carry {@code name}. */
    private static void awaitHit(long id, String name, String why) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        String source = "";
        while (System.nanoTime() < deadline && !"HIT".equals(source)) {
            Response read = get(id);
            read.then().statusCode(200);
            assertEquals(name, read.jsonPath().getString("name"));
            source = read.header("X-Cache");
            Thread.sleep(100);
        }
        assertEquals("HIT", source, why);
    }

    private double staleSetsRejected() {
        return registry.get(CacheMetrics.STALE_SETS_REJECTED).tag("cache", "products").counter().count();
    }
}
