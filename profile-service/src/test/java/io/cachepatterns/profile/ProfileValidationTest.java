package io.cachepatterns.profile;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.hasItem;

import io.cachepatterns.testsupport.RealServersResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Bad input is a 4xx problem naming the field; nothing is written. */
@QuarkusTest
@WithTestResource(RealServersResource.class)
class ProfileValidationTest {

    private static final String PROBLEM = "application/problem+json";

    @ParameterizedTest(name = "{0} = {1}")
    @CsvSource(nullValues = "NULL", value = {
        "username, NULL",
        "username, 'Has Capitals'",
        "username, ab",
        "password, NULL",
        "password, ''",
        "password, short",
        "password, aaaaaaaaaaaaaaaa",
        "displayName, NULL",
        "email, NULL",
        "email, not-an-email",
    })
    void invalidRegistrationNamesTheField(String field, String value) {
        Map<String, Object> body = ProfileApi.registration(ProfileApi.uniqueUsername());
        body.put(field, value);
        given().contentType(ContentType.JSON).body(body)
                .when().post("/profiles")
                .then().statusCode(400).contentType(PROBLEM).body("errors.field", hasItem(field));
    }

    /**
     * Text no store keeps as sent: a NUL (PostgreSQL refuses it in text, which surfaced as a 500) and an unpaired
     * surrogate (not a character at all). Written as JSON escapes, as a client sends them.
     */
    @ParameterizedTest(name = "{0} holding {1}")
    @CsvSource({
        "/sessions, username, \\u0000",
        "/sessions, password, \\u0000",
        "/profiles, username, \\u0000",
        "/profiles, displayName, \\u0000",
        "/profiles, bio, \\ud800",
        "/profiles, displayName, \\udfff",
    })
    void oddTextIsA400NamingTheFieldNeverA500(String path, String field, String escape) {
        Map<String, Object> fields = ProfileApi.registration(ProfileApi.uniqueUsername());
        if (path.equals("/sessions")) {
            fields = new java.util.HashMap<>(Map.of("username", fields.get("username"), "password",
                    fields.get("password")));
        }
        StringBuilder json = new StringBuilder("{");
        for (Map.Entry<String, Object> entry : fields.entrySet()) {
            String value = String.valueOf(entry.getValue()).replace("\\", "\\\\").replace("\"", "\\\"");
            json.append(json.length() == 1 ? "" : ",").append('"').append(entry.getKey()).append("\":\"")
                    .append(entry.getKey().equals(field) ? "a" + escape + "b" : value).append('"');
        }
        json.append('}');
        given().contentType(ContentType.JSON).body(json.toString())
                .when().post(path)
                .then().statusCode(400).contentType(PROBLEM).body("errors.field", hasItem(field));
    }

    @Test
    void oversizedBioIsNamed() {
        Map<String, Object> body = ProfileApi.registration(ProfileApi.uniqueUsername());
        body.put("bio", "b".repeat(1001));
        given().contentType(ContentType.JSON).body(body)
                .when().post("/profiles")
                .then().statusCode(400).contentType(PROBLEM).body("errors.field", hasItem("bio"));
    }

    @Test
    void tooLongForBcryptIsRefused() {
        Map<String, Object> body = ProfileApi.registration(ProfileApi.uniqueUsername());
        body.put("password", "Ωmega-".repeat(13)); // 78 characters but more bytes
        given().contentType(ContentType.JSON).body(body)
                .when().post("/profiles")
                .then().statusCode(400).body("errors.field", hasItem("password"));
    }

    @Test
    void duplicateUsernameIsAConflict() {
        String username = ProfileApi.uniqueUsername();
        given().contentType(ContentType.JSON).body(ProfileApi.registration(username))
                .when().post("/profiles").then().statusCode(201);
        given().contentType(ContentType.JSON).body(ProfileApi.registration(username))
                .when().post("/profiles")
                .then().statusCode(409).contentType(PROBLEM).body("errors.field", hasItem("username"));
    }

    @Test
    void malformedJsonIsABadRequest() {
        given().contentType(ContentType.JSON).body("{\"username\": ")
                .when().post("/profiles").then().statusCode(400).contentType(PROBLEM);
        given().contentType(ContentType.JSON).body("[1, 2]")
                .when().post("/sessions").then().statusCode(400).contentType(PROBLEM);
    }

    @Test
    void updateIsValidatedToo() {
        ProfileApi.Account account = ProfileApi.account();
        ProfileApi.put(account, account.id(), Map.of("displayName", "", "email", "nope", "bio", "x"))
                .then().statusCode(400).contentType(PROBLEM)
                .body("errors.field", hasItem("displayName"))
                .body("errors.field", hasItem("email"));
        given().when().get("/profiles/abc").then().statusCode(400).body("errors.field", hasItem("id"));
        given().when().get("/profiles/999999999").then().statusCode(404).contentType(PROBLEM);
    }
}
