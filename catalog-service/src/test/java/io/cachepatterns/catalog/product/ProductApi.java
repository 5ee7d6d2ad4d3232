package io.cachepatterns.catalog.product;

import static io.cachepatterns.testsupport.StandInProfiles.OPERATOR;
import static io.restassured.RestAssured.given;

import io.cachepatterns.catalog.product.repository.ProductRepository;
import io.micrometer.core.instrument.MeterRegistry;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import java.util.Map;
import java.util.UUID;

/** What the tests do through the REST API, and the database query counter they check. */
public final class ProductApi {

    private ProductApi() {
    }

    static Map<String, Object> input(String name) {
        return Map.of("sku", "sku-" + UUID.randomUUID(), "name", name, "description", "a test product",
                "price", "19.90", "currency", "EUR", "category", "tests");
    }

    public static long create(String name) {
        return given().header("Authorization", OPERATOR).contentType(ContentType.JSON).body(input(name))
                .when().post("/products")
                .then().statusCode(201)
                .extract().jsonPath().getLong("id");
    }

    static Response get(long id) {
        return given().when().get("/products/" + id);
    }

    public static void rename(long id, String name) {
        update(id, name).then().statusCode(200);
    }

    /** The operator's PUT of a new name (and sku), answered as it is. */
    static Response update(long id, String name) {
        Map<String, Object> body = new java.util.HashMap<>(input(name));
        body.put("sku", "renamed-" + id + "-" + UUID.randomUUID());
        return given().header("Authorization", OPERATOR).contentType(ContentType.JSON).body(body)
                .when().put("/products/" + id);
    }

    /** SELECTs of one product that reached PostgreSQL so far. */
    static long queries(MeterRegistry registry) {
        return (long) registry.get(ProductRepository.QUERIES).tag("query", "product-by-id").counter().count();
    }
}
