package io.cachepatterns.catalog.product;

import static io.cachepatterns.catalog.product.ProductApi.create;
import static io.cachepatterns.catalog.product.ProductApi.get;
import static io.cachepatterns.catalog.product.ProductApi.update;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;

import io.cachepatterns.testsupport.FaultProxy;
import io.cachepatterns.testsupport.ProxiedDatabaseResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * PostgreSQL hung (a black hole: connections open, nothing answers), reached through a {@link FaultProxy}: cached
 * products are still served, and a miss is a 503 problem within the load timeout, not a request that hangs.
 */
@QuarkusTest
@TestProfile(DatabaseOutageTest.DatabaseThroughProxy.class)
class DatabaseOutageTest {

    public static class DatabaseThroughProxy implements QuarkusTestProfile {

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(ProxiedDatabaseResource.class));
        }

        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("cache.products.load-timeout", "1s");
        }
    }

    @Test
    void aHungDatabaseLeavesHitsServedAndTurnsMissesInto503sNotHangs() {
        FaultProxy toDatabase = ProxiedDatabaseResource.database();
        long cached = create("cached before the outage");
        long cold = create("never read before the outage");
        get(cached).then().statusCode(200);

        toDatabase.stall();
        toDatabase.cut(); // the pool's connections die; new ones reach a black hole
        try {
            get(cached).then().statusCode(200).header("X-Cache", "HIT");
            for (int i = 0; i < 3; i++) {
                long start = System.nanoTime();
                get(cold).then().statusCode(503).contentType("application/problem+json");
                assertThat((System.nanoTime() - start) / 1_000_000).as("ms to the 503, try %d", i)
                        .isLessThan(3_000);
            }
        } finally {
            toDatabase.resume();
        }
        get(cold).then().statusCode(200);
    }

    /** Found by the fault suite (bin/chaos): every write during a PostgreSQL restart answered 500. */
    @Test
    void aWriteWhileTheDatabaseIsDownIsA503ProblemNotA500() {
        FaultProxy toDatabase = ProxiedDatabaseResource.database();
        long id = create("written around a database restart");

        toDatabase.refuse(); // as a stopped server: connections cut, new ones closed at once
        try {
            update(id, "written while the database is down").then().statusCode(503)
                    .contentType("application/problem+json").body("detail", containsString("database"));
        } finally {
            toDatabase.resume();
        }
        update(id, "written once it is back").then().statusCode(200);
    }
}
