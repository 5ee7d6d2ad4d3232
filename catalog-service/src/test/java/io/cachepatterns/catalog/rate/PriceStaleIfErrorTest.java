package io.cachepatterns.catalog.rate;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.cachepatterns.testsupport.RealServersResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Past its TTL, a rate is still served, marked stale, while the upstream is down. */
@QuarkusTest
@TestProfile(PriceStaleIfErrorTest.ShortRateTtl.class)
@WithTestResource(RealServersResource.class)
@WithTestResource(RatesStandIn.class)
class PriceStaleIfErrorTest {

    @AfterEach
    void upstreamBack() {
        RatesStandIn.mode(RatesStandIn.Mode.OK);
    }

    @Test
    void withTheUpstreamDownAnExpiredRateIsServedMarkedStale() throws InterruptedException {
        long id = PriceApi.product("NOK");
        given().queryParam("currency", "USD").when().get("/products/" + id + "/price")
                .then().statusCode(200).body("stale", equalTo(false)).header("X-Cache", (String) null);

        Thread.sleep(1_200); // past the 1 s TTL, within the grace
        RatesStandIn.mode(RatesStandIn.Mode.DOWN);
        given().queryParam("currency", "USD").when().get("/products/" + id + "/price")
                .then().statusCode(200).header("X-Cache", "STALE")
                .body("stale", equalTo(true)).body("price", equalTo(110.0f));

        RatesStandIn.mode(RatesStandIn.Mode.OK);
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        boolean fresh = false;
        while (!fresh && System.nanoTime() < deadline) {
            Response read = given().queryParam("currency", "USD").when().get("/products/" + id + "/price");
            read.then().statusCode(200);
            fresh = !read.jsonPath().getBoolean("stale");
            Thread.sleep(100);
        }
        assertEquals(true, fresh, "fresh again once the upstream is back and the breaker closes");
    }

    @Test
    void withNothingCachedAndTheUpstreamDownTheAnswerIsAServiceUnavailableProblem() {
        long id = PriceApi.product("DKK");
        RatesStandIn.mode(RatesStandIn.Mode.DOWN);
        given().queryParam("currency", "USD").when().get("/products/" + id + "/price")
                .then().statusCode(503).contentType("application/problem+json");
    }

    public static class ShortRateTtl implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("cache.rates.ttl", "1s", "cache.rates.jitter", "0");
        }
    }
}
