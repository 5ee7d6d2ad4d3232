package io.cachepatterns.catalog.product;

import static io.cachepatterns.testsupport.StandInProfiles.OPERATOR;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.cachepatterns.testsupport.RealServersResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Bad input is a 4xx problem that names the field, never a 500, and nothing is half-written. */
@QuarkusTest
@WithTestResource(RealServersResource.class)
class ProductValidationTest {

    private static final String PROBLEM = "application/problem+json";

    @ParameterizedTest(name = "{0} = {1}")
    @CsvSource(nullValues = "NULL", value = {
        "sku, NULL",
        "sku, ''",
        "sku, 'has spaces'",
        "name, NULL",
        "name, '   '",
        "price, NULL",
        "price, -1",
        "price, 1.234",
        "currency, NULL",
        "currency, XYZ",
        "currency, eur",
    })
    void invalidFieldIsNamed(String field, String value) {
        Map<String, Object> body = new HashMap<>(ProductApi.input("bad " + field));
        body.put(field, value);
        long before = total();

        given().header("Authorization", OPERATOR).contentType(ContentType.JSON).body(body)
                .when().post("/products")
                .then().statusCode(400).contentType(PROBLEM)
                .body("status", equalTo(400))
                .body("errors.field", hasItem(field));

        assertEquals(before, total(), "nothing was written");
    }

    @Test
    void oversizedFieldsAreNamed() {
        Map<String, Object> body = new HashMap<>(ProductApi.input("x".repeat(201)));
        body.put("description", "d".repeat(2001));
        given().header("Authorization", OPERATOR).contentType(ContentType.JSON).body(body)
                .when().post("/products")
                .then().statusCode(400).contentType(PROBLEM)
                .body("errors.field", hasItem("name"))
                .body("errors.field", hasItem("description"));
    }

    /** Found by ApiFuzzIT: a NUL in a query parameter reached PostgreSQL, which refuses it in text, and answered 500. */
    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "/products?category=a%00b, category",
        "/products/1/price?currency=%00, currency",
    })
    void oddTextInAParameterIsA400NamingIt(String pathAndQuery, String parameter) {
        given().urlEncodingEnabled(false).when().get(pathAndQuery)
                .then().statusCode(400).contentType(PROBLEM).body("errors.field", hasItem(parameter));
    }

    @Test
    void malformedJsonIsABadRequest() {
        given().header("Authorization", OPERATOR).contentType(ContentType.JSON).body("{\"sku\": \"a\", ")
                .when().post("/products")
                .then().statusCode(400).contentType(PROBLEM)
                .body("detail", containsString("JSON"));
    }

    @Test
    void missingBodyIsABadRequest() {
        given().header("Authorization", OPERATOR).contentType(ContentType.JSON)
                .when().post("/products")
                .then().statusCode(400).contentType(PROBLEM);
    }

    @Test
    void wrongTypeNamesTheField() {
        Map<String, Object> body = new HashMap<>(ProductApi.input("typed"));
        body.put("price", "twelve");
        given().header("Authorization", OPERATOR).contentType(ContentType.JSON).body(body)
                .when().post("/products")
                .then().statusCode(400).contentType(PROBLEM)
                .body("errors.field", hasItem("price"));
    }

    @ParameterizedTest
    @CsvSource({"abc", "-5", "0", "99999999999999999999999"})
    void badIdIsNamed(String id) {
        given().when().get("/products/" + id)
                .then().statusCode(400).contentType(PROBLEM)
                .body("errors.field", hasItem("id"));
        given().header("Authorization", OPERATOR).contentType(ContentType.JSON).body(ProductApi.input("x"))
                .when().put("/products/" + id)
                .then().statusCode(400).contentType(PROBLEM)
                .body("errors.field", hasItem("id"));
    }

    @Test
    void unknownIdIsANotFoundProblem() {
        given().when().get("/products/987654321")
                .then().statusCode(404).contentType(PROBLEM).body("status", equalTo(404));
        given().header("Authorization", OPERATOR).contentType(ContentType.JSON).body(ProductApi.input("x"))
                .when().put("/products/987654321")
                .then().statusCode(404).contentType(PROBLEM);
        given().header("Authorization", OPERATOR).when().delete("/products/987654321")
                .then().statusCode(404).contentType(PROBLEM);
    }

    @Test
    void duplicateSkuIsAConflictAndWritesNothing() {
        Map<String, Object> body = ProductApi.input("first");
        given().header("Authorization", OPERATOR).contentType(ContentType.JSON).body(body)
                .when().post("/products").then().statusCode(201);
        long before = total();

        given().header("Authorization", OPERATOR).contentType(ContentType.JSON).body(body)
                .when().post("/products")
                .then().statusCode(409).contentType(PROBLEM)
                .body("errors.field", hasItem("sku"));

        assertEquals(before, total(), "the duplicate was not written");
    }

    @Test
    void duplicateSkuOnUpdateIsAConflictAndChangesNothing() {
        Map<String, Object> taken = ProductApi.input("holder");
        given().header("Authorization", OPERATOR).contentType(ContentType.JSON).body(taken)
                .when().post("/products").then().statusCode(201);
        long id = ProductApi.create("mover");

        Map<String, Object> body = new HashMap<>(ProductApi.input("moved"));
        body.put("sku", taken.get("sku"));
        given().header("Authorization", OPERATOR).contentType(ContentType.JSON).body(body)
                .when().put("/products/" + id)
                .then().statusCode(409).contentType(PROBLEM)
                .body("errors.field", hasItem("sku"));

        ProductApi.get(id).then().statusCode(200).body("name", equalTo("mover")).body("version", equalTo(0));
    }

    @Test
    void pageSizeIsCappedAndBadPagingIsNamed() {
        given().queryParam("size", 1000).when().get("/products")
                .then().statusCode(200).body("size", equalTo(100));
        given().queryParam("page", -1).when().get("/products")
                .then().statusCode(400).contentType(PROBLEM).body("errors.field", hasItem("page"));
        given().queryParam("size", "many").when().get("/products")
                .then().statusCode(400).contentType(PROBLEM);
        // No page starts past the 10 000th row: PostgreSQL would read and skip every row before it.
        given().queryParam("page", 100_000).queryParam("size", 100).when().get("/products")
                .then().statusCode(400).contentType(PROBLEM).body("errors.field", hasItem("page"));
        given().queryParam("page", 100).queryParam("size", 100).when().get("/products")
                .then().statusCode(400).contentType(PROBLEM).body("errors.field", hasItem("page"));
        given().queryParam("page", 99).queryParam("size", 100).when().get("/products").then().statusCode(200);
        given().queryParam("page", 9_999).queryParam("size", 1).when().get("/products").then().statusCode(200);
    }

    @Test
    void newestFirstAndByIdsForServicesThatShowManyProducts() {
        long older = ProductApi.create("older");
        long newer = ProductApi.create("newer");

        given().queryParam("sort", "newest").queryParam("size", 1).when().get("/products")
                .then().statusCode(200).body("items[0].id", equalTo((int) newer));
        given().queryParam("ids", newer + "," + older + ",999999999," + older).when().get("/products")
                .then().statusCode(200)
                .body("items.id", org.hamcrest.Matchers.containsInAnyOrder((int) older, (int) newer))
                .body("total", equalTo(2));

        given().queryParam("sort", "oldest").when().get("/products")
                .then().statusCode(400).contentType(PROBLEM).body("errors.field", hasItem("sort"));
        given().queryParam("ids", "1,x").when().get("/products")
                .then().statusCode(400).contentType(PROBLEM).body("errors.field", hasItem("ids"));
        given().queryParam("ids", "1,".repeat(100) + "1").when().get("/products")
                .then().statusCode(400).contentType(PROBLEM).body("errors.field", hasItem("ids"));
    }

    private static long total() {
        return given().when().get("/products").then().statusCode(200).extract().jsonPath().getLong("total");
    }
}
