package io.cachepatterns.feed;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

import io.cachepatterns.testsupport.RealServersResource;
import io.cachepatterns.testsupport.ServiceProcess;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * catalog-service unreachable (its instance restarting: the connection refused). Found by the fault suite: the first
 * summary read that met it answered 500, before the client's breaker opened and turned the next ones into 503s.
 */
@QuarkusTest
@WithTestResource(value = RealServersResource.class, initArgs = @ResourceArg(name = "database", value = "none"))
@WithTestResource(UpstreamStandIn.class)
@TestProfile(UpstreamUnreachableTest.CatalogNowhere.class)
class UpstreamUnreachableTest {

    /** Nothing listens where catalog-service should be. */
    public static class CatalogNowhere implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.rest-client.catalog.url", "http://127.0.0.1:" + ServiceProcess.freePort());
        }
    }

    @Test
    void aReadThatNeedsAnUnreachableServiceIsA503ProblemWhateverTheBreakersState() throws InterruptedException {
        for (int id = 1; id <= 6; id++) { // the first ones meet the refused connection, the later the open breaker
            summaryIsUnavailable(id);
        }
        Thread.sleep(5_500); // past the breaker's delay: half-open, the next call is a probe that meets the refusal
        for (int id = 7; id <= 8; id++) {
            summaryIsUnavailable(id);
        }
    }

    private static void summaryIsUnavailable(int id) {
        given().when().get("/summaries/" + id).then().statusCode(503)
                .contentType("application/problem+json").body("status", equalTo(503));
    }
}
