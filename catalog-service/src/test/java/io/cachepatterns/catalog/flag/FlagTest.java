package io.cachepatterns.catalog.flag;

import static io.cachepatterns.testsupport.StandInProfiles.OPERATOR;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.cachepatterns.testsupport.RealServersResource;
import io.cachepatterns.testsupport.StandInProfiles;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Feature flags through the near cache, and the product read that consults one on every request. */
@QuarkusTest
@WithTestResource(RealServersResource.class)
class FlagTest {

    private static final String ADMIN = "Bearer test-admin-token";
    private static final String PROBLEM = "application/problem+json";

    @Inject
    MeterRegistry registry;

    @AfterEach
    void discountsOff() {
        flip("show-discounts", false);
    }

    @Test
    void theSeededFlagIsListedAndOff() {
        given().when().get("/flags").then().statusCode(200).body("name", hasItem("show-discounts"));
        given().when().get("/flags/show-discounts").then().statusCode(200).body("enabled", equalTo(false));
    }

    @Test
    void aFlipChangesTheNextProductReadAtOnce() {
        long id = given().header("Authorization", OPERATOR).contentType(ContentType.JSON)
                .body(Map.of("sku", "flag-" + System.nanoTime(), "name", "kettle", "price", "50.00",
                        "currency", "EUR"))
                .when().post("/products").then().statusCode(201).extract().jsonPath().getLong("id");
        given().when().get("/products/" + id).then().statusCode(200).body("discountedPrice", nullValue());

        flip("show-discounts", true);
        given().when().get("/products/" + id).then().statusCode(200)
                .body("name", equalTo("kettle"))
                .body("discountedPrice", equalTo(45.00f));

        flip("show-discounts", false);
        given().when().get("/products/" + id).then().statusCode(200).body("discountedPrice", nullValue());
    }

    @Test
    void warmFlagReadsDoNotReachTheDatabase() {
        given().when().get("/flags/show-discounts").then().statusCode(200);
        double before = flagQueries();
        for (int i = 0; i < 50; i++) {
            given().when().get("/flags/show-discounts").then().statusCode(200);
        }
        assertEquals(0, flagQueries() - before, 0.0);
    }

    @Test
    void changingAFlagNeedsTheAdminRole() {
        Map<String, Object> on = Map.of("enabled", true);
        given().contentType(ContentType.JSON).body(on).when().put("/flags/show-discounts")
                .then().statusCode(401).contentType(PROBLEM);
        given().contentType(ContentType.JSON).header("Authorization", "Bearer wrong").body(on)
                .when().put("/flags/show-discounts").then().statusCode(401).contentType(PROBLEM);
        // An editor is signed in, but flags are an admin's.
        given().contentType(ContentType.JSON).header("Authorization", StandInProfiles.get().bearer(7, "editor"))
                .body(on).when().put("/flags/show-discounts").then().statusCode(403).contentType(PROBLEM);
        given().when().get("/flags/show-discounts").then().body("enabled", equalTo(false));
    }

    @Test
    void badFlagInputIsNamed() {
        given().contentType(ContentType.JSON).header("Authorization", ADMIN).body(Map.of("description", "x"))
                .when().put("/flags/new-flag").then().statusCode(400).body("errors.field", hasItem("enabled"));
        given().contentType(ContentType.JSON).header("Authorization", ADMIN).body(Map.of("enabled", true))
                .when().put("/flags/Bad_Name").then().statusCode(400).body("errors.field", hasItem("name"));
        given().when().get("/flags/no-such-flag").then().statusCode(404).contentType(PROBLEM);
    }

    @Test
    void anAdminMayCreateAFlag() {
        String name = "beta-" + System.nanoTime();
        given().contentType(ContentType.JSON).header("Authorization", ADMIN)
                .body(Map.of("enabled", true, "description", "a new flag"))
                .when().put("/flags/" + name).then().statusCode(200).body("enabled", equalTo(true));
        given().when().get("/flags/" + name).then().statusCode(200).body("description", equalTo("a new flag"));
    }

    private static void flip(String name, boolean enabled) {
        given().contentType(ContentType.JSON).header("Authorization", ADMIN).body(Map.of("enabled", enabled))
                .when().put("/flags/" + name).then().statusCode(200).body("enabled", equalTo(enabled));
    }

    private double flagQueries() {
        return registry.get("db.queries").tag("query", "flag-by-name").counter().count();
    }

    /** Admins turning on a flag that does not exist yet, at the same moment: each answered 200, never a 500. */
    @Test
    void aFlagCreatedByManyAtOnceIsAnsweredToEach() throws Exception {
        java.util.concurrent.ExecutorService admins = java.util.concurrent.Executors.newFixedThreadPool(8);
        try {
            for (int round = 0; round < 5; round++) {
                String name = "created-at-once-" + round + "-" + System.nanoTime();
                java.util.List<java.util.concurrent.Future<Integer>> statuses = new java.util.ArrayList<>();
                for (int a = 0; a < 8; a++) {
                    boolean enabled = a % 2 == 0;
                    statuses.add(admins.submit(() -> given().header("Authorization", ADMIN)
                            .contentType(ContentType.JSON).body(Map.of("enabled", enabled))
                            .when().put("/flags/" + name).statusCode()));
                }
                for (java.util.concurrent.Future<Integer> status : statuses) {
                    assertEquals(200, status.get(), "a PUT of a new flag racing 7 others");
                }
            }
        } finally {
            admins.shutdownNow();
        }
    }
}
