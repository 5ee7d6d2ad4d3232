package io.cachepatterns.metrics;

import static io.cachepatterns.testsupport.StandInProfiles.OPERATOR;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.cachepatterns.metrics.item.repository.CounterRepository;
import io.cachepatterns.metrics.item.service.CounterService;
import io.cachepatterns.shared.patterns.Caches;
import io.cachepatterns.shared.patterns.writebehind.WriteBehind;
import io.cachepatterns.testsupport.RealServersResource;
import io.cachepatterns.testsupport.StandInProfiles;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import org.junit.jupiter.api.Test;

/** Write-behind counters against real Redis and PostgreSQL. */
@QuarkusTest
@WithTestResource(RealServersResource.class)
class CounterWriteBehindTest {

    @Inject
    MeterRegistry registry;

    @Inject
    CounterRepository repository;

    @Inject
    Caches caches;

    @Inject
    CounterService counters;

    @TestHTTPResource("/items/")
    URI items;

    private static String item() {
        return "item-" + UUID.randomUUID().toString().substring(0, 18);
    }

    private static void view(String itemId) {
        given().when().post("/items/" + itemId + "/views").then().statusCode(202);
    }

    /** Waits until PostgreSQL has {@code expected}; answers how long that took. */
    private static Duration awaitDatabase(String itemId, String column, long expected, Duration limit)
            throws Exception {
        long start = System.nanoTime();
        while (Database.counter(itemId, column) != expected) {
            assertThat(System.nanoTime() - start).as("the database catches up with " + itemId)
                    .isLessThan(limit.toNanos());
            Thread.sleep(20);
        }
        return Duration.ofNanos(System.nanoTime() - start);
    }

    @Test
    void writesAreAcknowledgedWhileTheDatabaseIsDownAndCaughtUpExactlyAfterwards() throws Exception {
        String itemId = item();
        view(itemId); // in Redis now: its count goes on from here, whatever PostgreSQL does
        Database.cut();
        try {
            for (int i = 2; i <= 51; i++) {
                given().when().post("/items/" + itemId + "/views").then().statusCode(202).body("views", equalTo(i));
            }
            given().when().get("/items/" + itemId + "/stats").then().statusCode(200).body("views", equalTo(51));
            Thread.sleep(1_500); // flushes fail meanwhile
        } finally {
            Database.restore();
        }
        awaitDatabase(itemId, "views", 51, Duration.ofSeconds(45)); // the flusher backs off while it failed
    }

    @Test
    void anOutageLongerThanMaxAttemptsFlushesDeadLettersNothing() throws Exception {
        String itemId = item();
        view(itemId);
        Database.cut();
        try {
            given().header("Authorization", OPERATOR).queryParam("count", 9)
                    .when().post("/items/" + itemId + "/views").then().statusCode(202);
            for (int i = 0; i < 8; i++) { // max-attempts is 5: were a failure an attempt, the item would be dead
                counters.writeBehind().flushOnce().await().atMost(Duration.ofSeconds(10));
            }
        } finally {
            Database.restore();
        }
        awaitDatabase(itemId, "views", 10, Duration.ofSeconds(45));
        assertThat(counters.writeBehind().deadLetters().await().indefinitely())
                .noneMatch(letter -> letter.id().equals(itemId));
    }

    @Test
    void theDatabaseCatchesUpWithinAboutTheWriteDelay() throws Exception {
        String itemId = item();
        for (int i = 0; i < 5; i++) {
            view(itemId);
        }
        String first = StandInProfiles.get().bearer(201);
        given().header("Authorization", first).when().post("/items/" + itemId + "/likes").then().statusCode(202);
        given().header("Authorization", StandInProfiles.get().bearer(202)).when().post("/items/" + itemId + "/likes")
                .then().statusCode(202);
        given().header("Authorization", StandInProfiles.get().bearer(203)).when().post("/items/" + itemId + "/likes")
                .then().statusCode(202).body("likes", equalTo(3));
        given().header("Authorization", first).when().delete("/items/" + itemId + "/likes")
                .then().statusCode(202).body("likes", equalTo(2));
        // The unlike may land in a later flush than the views and the likes: wait for the last write, then check all.
        Duration lag = awaitDatabase(itemId, "likes", 2, Duration.ofSeconds(5));
        assertEquals(5, Database.counter(itemId, "views"));
        System.out.printf("write-behind: the database caught up %d ms after the last acknowledgement%n",
                lag.toMillis());
    }

    @Test
    void tenThousandIncrementsOfOneItemTakeAHandfulOfStatements() throws Exception {
        String itemId = item();
        double before = statements();
        long start = System.nanoTime();
        // 64 requests in flight at a time, so that the 10 000 arrive within a few write delays.
        HttpClient http = HttpClient.newHttpClient();
        HttpRequest request = HttpRequest.newBuilder(items.resolve(itemId + "/views"))
                .POST(HttpRequest.BodyPublishers.noBody()).build();
        Semaphore inFlight = new Semaphore(64);
        List<CompletableFuture<Integer>> answers = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            inFlight.acquire();
            answers.add(http.sendAsync(request, HttpResponse.BodyHandlers.discarding())
                    .thenApply(HttpResponse::statusCode)
                    .whenComplete((status, failure) -> inFlight.release()));
        }
        for (CompletableFuture<Integer> answer : answers) {
            assertEquals(202, answer.get());
        }
        awaitDatabase(itemId, "views", 10_000, Duration.ofSeconds(10));
        double seconds = (System.nanoTime() - start) / 1e9;
        double used = statements() - before;
        System.out.printf("write-behind: 10 000 increments in %.1f s, %.0f database statements%n", seconds, used);
        // One statement per flush, however many increments it carries: at most one per write delay (1 s here),
        // plus the flushes that straddle the start and the end. The benchmark shows the figure under full load.
        assertThat(used).as("statements for 10 000 increments over %.1f s", seconds)
                .isLessThanOrEqualTo(Math.ceil(seconds) + 2);
    }

    @Test
    void aFlusherThatDiesBetweenCommitAndAcknowledgementLosesAndDoublesNothing() throws Exception {
        String itemId = item();
        // A flusher whose database writes commit, then "crash" before the stream is acknowledged.
        WriteBehind crashing = caches.writeBehind("counters-crash", CounterService.FIELDS, repository,
                rows -> repository.write(rows).flatMap(committed ->
                        Uni.createFrom().failure(new IllegalStateException("killed after the commit"))));
        for (int i = 0; i < 100; i++) {
            crashing.increment(itemId, Map.of("views", 1L)).await().indefinitely();
        }
        crashing.flushOnce().await().indefinitely();
        assertEquals(100, Database.counter(itemId, "views"), "committed, never acknowledged");

        // Another instance claims the unacknowledged entries and applies them again: no double count.
        WriteBehind survivor = caches.writeBehind("counters-crash", CounterService.FIELDS, repository, repository);
        for (int i = 0; i < 10; i++) {
            survivor.increment(itemId, Map.of("views", 1L)).await().indefinitely();
        }
        for (int i = 0; i < 5 && survivor.flushOnce().await().atMost(Duration.ofSeconds(10)).entries() > 0; i++) {
            // until the log is empty
        }
        assertEquals(110, Database.counter(itemId, "views"));
    }

    @Test
    void statsComeFromTheDatabaseWhenRedisLostThem() throws Exception {
        String itemId = item();
        for (int i = 0; i < 7; i++) {
            view(itemId);
        }
        awaitDatabase(itemId, "views", 7, Duration.ofSeconds(5));
        io.vertx.mutiny.redis.client.Redis redis = io.quarkus.arc.Arc.container()
                .instance(io.vertx.mutiny.redis.client.Redis.class).get();
        redis.send(io.vertx.mutiny.redis.client.Request.cmd(io.vertx.mutiny.redis.client.Command.DEL)
                .arg("metrics:counters:v1:{wb}:" + itemId)).await().indefinitely();

        given().when().get("/items/" + itemId + "/stats").then().statusCode(200).body("views", equalTo(7));
        given().when().post("/items/" + itemId + "/views").then().statusCode(202).body("views", equalTo(8));
    }

    @Test
    void theCountersOfSeveralItemsComeInOneRequest() {
        String viewed = item();
        String unseen = item();
        view(viewed);
        view(viewed);

        given().queryParam("ids", unseen + "," + viewed + "," + unseen).when().get("/items/stats")
                .then().statusCode(200)
                .body("itemId", org.hamcrest.Matchers.contains(unseen, viewed))
                .body("views", org.hamcrest.Matchers.contains(0, 2));
        for (String bad : List.of("", "a,b c", "x,".repeat(100) + "x")) {
            given().queryParam("ids", bad).when().get("/items/stats")
                    .then().statusCode(400).contentType("application/problem+json")
                    .body("errors.field", org.hamcrest.Matchers.hasItem("ids"));
        }
    }

    @Test
    void topItemsComeFromTheDatabase() throws Exception {
        String popular = item();
        given().header("Authorization", OPERATOR).when().post("/items/" + popular + "/views?count=1000")
                .then().statusCode(202);
        awaitDatabase(popular, "views", 1000, Duration.ofSeconds(5));
        given().queryParam("metric", "views").queryParam("limit", 100).when().get("/items/top")
                .then().statusCode(200).body("itemId", org.hamcrest.Matchers.hasItem(popular));
    }

    private double statements() {
        return registry.counter("db.statements", "statement", "counter-batch").count(); // exists once used
    }
}
