package io.cachepatterns.catalog.rate;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.cachepatterns.testsupport.RealServersResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A slow, metered upstream behind a long TTL: every rate is fetched once. */
@QuarkusTest
@WithTestResource(RealServersResource.class)
@WithTestResource(RatesStandIn.class)
class PriceCacheTest {

    private static final String PROBLEM = "application/problem+json";

    @AfterEach
    void upstreamBack() {
        RatesStandIn.mode(RatesStandIn.Mode.OK);
    }

    @Test
    void aThousandConversionsInThreeCurrenciesCallTheUpstreamThreeTimes() throws Exception {
        long id = PriceApi.product("EUR");
        // One conversion first, so that a cold client's first call (slow on a busy machine: it may time out and be
        // retried) is not counted.
        given().queryParam("currency", "CAD").when().get("/products/" + id + "/price").then().statusCode(200);
        int before = RatesStandIn.requests();
        String[] currencies = {"USD", "GBP", "JPY"};
        String[] expected = {"110.0", "85.0", "16000.0"};
        ExecutorService clients = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int i = 0; i < 1000; i++) {
                int which = i % 3;
                done.add(clients.submit(() -> given().queryParam("currency", currencies[which])
                        .when().get("/products/" + id + "/price")
                        .then().statusCode(200)
                        .body("price", equalTo(Float.parseFloat(expected[which])))
                        .body("stale", equalTo(false))));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            clients.shutdown();
        }
        assertEquals(3, RatesStandIn.requests() - before, "one upstream call per currency");
    }

    @Test
    void theSameCurrencyNeedsNoRate() {
        long id = PriceApi.product("CHF");
        int before = RatesStandIn.requests();
        given().queryParam("currency", "CHF").when().get("/products/" + id + "/price")
                .then().statusCode(200).body("price", equalTo(100.0f));
        assertEquals(0, RatesStandIn.requests() - before);
    }

    @Test
    void anUnknownCurrencyIsABadRequest() {
        long id = PriceApi.product("EUR");
        given().queryParam("currency", "XYZ").when().get("/products/" + id + "/price")
                .then().statusCode(400).contentType(PROBLEM).body("errors.field", hasItem("currency"));
        given().when().get("/products/" + id + "/price")
                .then().statusCode(400).contentType(PROBLEM).body("errors.field", hasItem("currency"));
        given().queryParam("currency", "USD").when().get("/products/abc/price")
                .then().statusCode(400).body("errors.field", hasItem("id"));
    }

    @Test
    void upstreamGarbageIsABadGatewayAndNothingIsCached() {
        long id = PriceApi.product("SEK");
        RatesStandIn.mode(RatesStandIn.Mode.GARBAGE);
        given().queryParam("currency", "USD").when().get("/products/" + id + "/price")
                .then().statusCode(502).contentType(PROBLEM);

        RatesStandIn.mode(RatesStandIn.Mode.OK);
        int before = RatesStandIn.requests();
        given().queryParam("currency", "USD").when().get("/products/" + id + "/price")
                .then().statusCode(200).body("price", equalTo(110.0f));
        assertEquals(1, RatesStandIn.requests() - before, "the garbage was not cached: the rate was fetched anew");
    }
}
