package io.cachepatterns.profile;

import static io.restassured.RestAssured.given;

import io.restassured.http.ContentType;
import io.restassured.response.Response;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

/** What the tests do through the REST API. */
final class ProfileApi {

    static final String PASSWORD = "correct horse battery";

    private ProfileApi() {
    }

    record Account(long id, String username, String token) {
        String bearer() {
            return "Bearer " + token;
        }
    }

    static Map<String, Object> registration(String username) {
        Map<String, Object> body = new HashMap<>();
        body.put("username", username);
        body.put("password", PASSWORD);
        body.put("displayName", "Ada " + username);
        body.put("email", username + "@example.org");
        body.put("bio", "writes tests");
        return body;
    }

    static String uniqueUsername() {
        return "u" + UUID.randomUUID().toString().replace("-", "").substring(0, 20);
    }

    /** Registers a new user and logs in. */
    static Account account() {
        String username = uniqueUsername();
        long id = given().contentType(ContentType.JSON).body(registration(username))
                .when().post("/profiles")
                .then().statusCode(201).extract().jsonPath().getLong("id");
        return new Account(id, username, login(username, PASSWORD));
    }

    static String login(String username, String password) {
        return given().contentType(ContentType.JSON).body(Map.of("username", username, "password", password))
                .when().post("/sessions")
                .then().statusCode(201).extract().jsonPath().getString("token");
    }

    static Map<String, Object> update(String displayName, String bio) {
        return Map.of("displayName", displayName, "email", "someone@example.org", "bio", bio);
    }

    static Response put(Account account, long profileId, Map<String, Object> body) {
        return given().contentType(ContentType.JSON).header("Authorization", account.bearer()).body(body)
                .when().put("/profiles/" + profileId);
    }

    static Response get(long id) {
        return given().when().get("/profiles/" + id);
    }
}
