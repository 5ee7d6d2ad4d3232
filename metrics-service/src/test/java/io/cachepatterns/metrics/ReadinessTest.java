package io.cachepatterns.metrics;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.hasItem;

import io.cachepatterns.testsupport.FaultProxy;
import io.cachepatterns.testsupport.PostgresAddress;
import io.cachepatterns.testsupport.RealServersResource;
import io.cachepatterns.testsupport.TestServers;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.net.URI;
import java.util.HashMap;
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

    static FaultProxy toDatabase;

    public static class DatabaseThroughProxy implements QuarkusTestProfile {

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(ProxiedDatabase.class));
        }
    }

    /** The real servers, with the reactive pool reaching PostgreSQL through the proxy (Flyway goes direct). */
    public static class ProxiedDatabase extends RealServersResource {

        @Override
        public Map<String, String> start() {
            Map<String, String> config = new HashMap<>(super.start());
            PostgresAddress postgres = TestServers.get().postgres();
            URI direct = URI.create(config.get("quarkus.datasource.jdbc.url").substring("jdbc:".length()));
            toDatabase = FaultProxy.start(direct.getHost(), direct.getPort());
            config.put("quarkus.datasource.reactive.url", "postgresql://127.0.0.1:" + toDatabase.port()
                    + direct.getPath());
            return config;
        }
    }

    @Test
    void aHungDatabaseIsReportedButDoesNotMakeTheInstanceUnready() {
        given().when().get("/q/health/ready").then().statusCode(200).body("checks.data.database", hasItem("up"));

        toDatabase.stall();
        try {
            toDatabase.cut(); // the pool's connections die; new ones reach a black hole
            for (int i = 0; i < 3; i++) {
                long start = System.nanoTime();
                given().when().get("/q/health/ready").then().statusCode(200)
                        .body("checks.data.database", hasItem("down"));
                assertThat((System.nanoTime() - start) / 1_000_000).as("readiness answer %d", i).isLessThan(1_000);
            }
        } finally {
            toDatabase.resume();
        }
    }
}
