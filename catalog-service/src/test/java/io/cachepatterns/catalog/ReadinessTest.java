package io.cachepatterns.catalog;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.hasItem;

import io.cachepatterns.testsupport.RealServersResource;
import io.cachepatterns.testsupport.Servers;
import io.cachepatterns.testsupport.TestServers;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Readiness says whether this instance can serve: with Redis hung the catalog still serves (from PostgreSQL), so it
 * stays ready, says so at once, and names Redis' state in the body.
 */
@QuarkusTest
@WithTestResource(RealServersResource.class)
class ReadinessTest {

    @Test
    void aHungRedisIsReportedButDoesNotMakeTheInstanceUnready() {
        Servers servers = TestServers.get();
        Assumptions.assumeTrue(servers.canStopRedis(), "these servers are not ours to freeze");
        given().when().get("/q/health/ready").then().statusCode(200)
                .body("checks.data.redis", hasItem("up"));

        servers.freezeRedis();
        try {
            for (int i = 0; i < 3; i++) {
                long start = System.nanoTime();
                given().when().get("/q/health/ready").then().statusCode(200)
                        .body("checks.data.redis", hasItem("down"))
                        .body("checks.data.database", hasItem("up"));
                long millis = (System.nanoTime() - start) / 1_000_000;
                assertThat(millis).as("readiness answer %d while Redis hangs", i).isLessThan(1_000);
            }
        } finally {
            servers.thawRedis();
        }
    }
}
