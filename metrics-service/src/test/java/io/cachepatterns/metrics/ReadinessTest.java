package io.cachepatterns.metrics;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.hasItem;

import io.cachepatterns.testsupport.FaultProxy;
import io.cachepatterns.testsupport.ProxiedDatabaseResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Write-behind exists to absorb a PostgreSQL outage, so metrics-service stays ready through one: the database is
 * reached through a {@link FaultProxy} here, and stalled.
 */
@QuarkusTest
@TestProfile(ReadinessTest.DatabaseThroughProxy.class)
class ReadinessTest {

    public static class DatabaseThroughProxy implements QuarkusTestProfile {

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(ProxiedDatabaseResource.class));
        }

        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("cache.counters.load-timeout", "1s");
        }
    }

    @Test
    void aHungDatabaseIsReportedButDoesNotMakeTheInstanceUnready() {
        FaultProxy toDatabase = ProxiedDatabaseResource.database();
        given().when().get("/q/health/ready").then().statusCode(200).body("checks.data.database", hasItem("up"));
        given().when().post("/items/known-before-the-outage/views").then().statusCode(202);

        toDatabase.stall();
        try {
            toDatabase.cut(); // the pool's connections die; new ones reach a black hole
            for (int i = 0; i < 3; i++) {
                long start = System.nanoTime();
                given().when().get("/q/health/ready").then().statusCode(200)
                        .body("checks.data.database", hasItem("down"));
                assertThat((System.nanoTime() - start) / 1_000_000).as("readiness answer %d", i).isLessThan(1_000);
            }
            // Increments go on being acknowledged; the first one of an item needs its count from the database, and
            // is refused as a 503 problem within the load timeout rather than left hanging.
            given().when().post("/items/known-before-the-outage/views").then().statusCode(202);
            long start = System.nanoTime();
            given().when().post("/items/first-seen-in-the-outage/views").then().statusCode(503)
                    .contentType("application/problem+json");
            assertThat((System.nanoTime() - start) / 1_000_000).as("ms to the 503").isLessThan(3_000);
        } finally {
            toDatabase.resume();
        }
    }
}
