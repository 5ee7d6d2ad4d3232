package io.cachepatterns.catalog.rate;

import static io.cachepatterns.testsupport.StandInProfiles.OPERATOR;
import static io.restassured.RestAssured.given;

import io.restassured.http.ContentType;
import java.util.Map;

final class PriceApi {

    private PriceApi() {
    }

    /** A product priced 100.00 in {@code currency}. */
    static long product(String currency) {
        return given().header("Authorization", OPERATOR).contentType(ContentType.JSON)
                .body(Map.of("sku", "price-" + System.nanoTime(), "name", "priced", "price", "100.00",
                        "currency", currency))
                .when().post("/products").then().statusCode(201).extract().jsonPath().getLong("id");
    }
}
