package io.cachepatterns.profile;

import static io.cachepatterns.profile.ProfileApi.PASSWORD;
import static io.cachepatterns.profile.ProfileApi.account;
import static io.cachepatterns.profile.ProfileApi.put;
import static io.cachepatterns.profile.ProfileApi.update;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.cachepatterns.testsupport.RealServersResource;
import io.cachepatterns.testsupport.Servers;
import io.cachepatterns.testsupport.TestServers;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** Sessions shared through Redis and PostgreSQL, and who may change which profile. */
@QuarkusTest
@WithTestResource(RealServersResource.class)
class SessionTest {

    private static final String PROBLEM = "application/problem+json";

    @TestHTTPResource("/sessions/current")
    URI current;

    @Test
    void loginUseAndLogoutAreSeenByAnIndependentClient() throws Exception {
        ProfileApi.Account account = account();
        given().header("Authorization", account.bearer()).when().get("/sessions/current")
                .then().statusCode(200).body("profileId", equalTo((int) account.id()));
        // A second client, sharing nothing with the first but the token.
        HttpClient other = HttpClient.newHttpClient();
        assertEquals(200, currentSession(other, account.bearer()));

        given().header("Authorization", account.bearer()).when().delete("/sessions/current").then().statusCode(204);

        assertEquals(401, currentSession(other, account.bearer()), "the logout is seen at once");
        given().header("Authorization", account.bearer()).when().get("/sessions/current")
                .then().statusCode(401).contentType(PROBLEM).header("WWW-Authenticate", "Bearer");
    }

    @Test
    void wrongCredentialsDoNotSayWhichPartWasWrong() {
        ProfileApi.Account account = account();
        String wrongPassword = given().contentType(ContentType.JSON)
                .body(Map.of("username", account.username(), "password", "not the password at all"))
                .when().post("/sessions").then().statusCode(401).contentType(PROBLEM)
                .extract().jsonPath().getString("detail");
        String unknownUser = given().contentType(ContentType.JSON)
                .body(Map.of("username", "nobody_" + account.username(), "password", PASSWORD))
                .when().post("/sessions").then().statusCode(401).contentType(PROBLEM)
                .extract().jsonPath().getString("detail");
        assertEquals(wrongPassword, unknownUser);
    }

    @Test
    void missingOrUnknownTokensAreUnauthorized() {
        given().when().get("/sessions/current").then().statusCode(401).contentType(PROBLEM);
        given().header("Authorization", "Basic dXNlcjpwYXNz").when().get("/sessions/current")
                .then().statusCode(401);
        given().header("Authorization", "Bearer not-a-real-token").when().get("/sessions/current")
                .then().statusCode(401);
    }

    @Test
    void onlyTheOwnerMayUpdateAProfile() {
        ProfileApi.Account owner = account();
        ProfileApi.Account stranger = account();
        given().contentType(ContentType.JSON).body(update("no token", "x"))
                .when().put("/profiles/" + owner.id()).then().statusCode(401).contentType(PROBLEM);
        put(stranger, owner.id(), update("hijacked", "x")).then().statusCode(403).contentType(PROBLEM);
        put(owner, owner.id(), update("mine", "x")).then().statusCode(200).body("displayName", equalTo("mine"));
        ProfileApi.get(owner.id()).then().body("displayName", equalTo("mine"));
    }

    @Test
    void ifMatchMakesAnUpdateConditional() {
        ProfileApi.Account owner = account();
        given().contentType(ContentType.JSON).header("Authorization", owner.bearer()).header("If-Match", "\"0\"")
                .body(update("first", "x")).when().put("/profiles/" + owner.id())
                .then().statusCode(200).header("ETag", "\"1\"").body("version", equalTo(1));
        given().contentType(ContentType.JSON).header("Authorization", owner.bearer()).header("If-Match", "\"0\"")
                .body(update("lost update", "x")).when().put("/profiles/" + owner.id())
                .then().statusCode(412).contentType(PROBLEM);
        given().contentType(ContentType.JSON).header("Authorization", owner.bearer()).header("If-Match", "banana")
                .body(update("x", "x")).when().put("/profiles/" + owner.id())
                .then().statusCode(400).contentType(PROBLEM);
        ProfileApi.get(owner.id()).then().body("displayName", equalTo("first")).body("version", equalTo(1));
    }

    @Test
    void losingRedisLogsNobodyOut() {
        Servers servers = TestServers.get();
        Assumptions.assumeTrue(servers.canStopRedis(), "these servers are not ours to stop");
        ProfileApi.Account account = account();
        servers.stopRedis();
        try {
            given().header("Authorization", account.bearer()).when().get("/sessions/current")
                    .then().statusCode(200).body("profileId", equalTo((int) account.id()));
            put(account, account.id(), update("while Redis was gone", "x")).then().statusCode(200);
        } finally {
            servers.startRedis();
        }
    }

    private int currentSession(HttpClient client, String bearer) throws Exception {
        return client.send(HttpRequest.newBuilder(current).header("Authorization", bearer).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }
}
