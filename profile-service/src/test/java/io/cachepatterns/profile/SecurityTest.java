package io.cachepatterns.profile;

import static io.cachepatterns.profile.ProfileApi.account;
import static io.cachepatterns.profile.ProfileApi.registration;
import static io.cachepatterns.profile.ProfileApi.uniqueUsername;
import static io.cachepatterns.testsupport.StandInProfiles.OPERATOR;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;

import io.cachepatterns.shared.auth.Authenticator;
import io.cachepatterns.testsupport.RealServersResource;
import io.cachepatterns.testsupport.RedisCli;
import io.cachepatterns.testsupport.TestServers;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Who may do what at profile-service, each rule tried the way an attacker would. */
@QuarkusTest
@WithTestResource(RealServersResource.class)
class SecurityTest {

    private static final String PROBLEM = "application/problem+json";

    @ParameterizedTest
    @ValueSource(strings = {"password1234", "1234567890ab", "qwertyuiop12", "short-pass", "P@ssw0rd2024!",
        "aaaaaaaaaaaaaaaa", "hellohellohello", "!!sunshine!!123"})
    void commonAndShortPasswordsAreRefusedNamingTheField(String password) {
        Map<String, Object> body = registration(uniqueUsername());
        body.put("password", password);
        given().contentType(ContentType.JSON).body(body).when().post("/profiles")
                .then().statusCode(400).contentType(PROBLEM).body("errors.field", hasItem("password"));
    }

    @Test
    void aPassphraseIsAccepted() {
        Map<String, Object> body = registration(uniqueUsername());
        body.put("password", "violet kettle orbit");
        given().contentType(ContentType.JSON).body(body).when().post("/profiles").then().statusCode(201);
    }

    @Test
    void passwordGuessingIsRateLimitedPerUsername() {
        ProfileApi.Account victim = account(); // one successful login spent
        int refusedAsWrong = 0;
        String retryAfter = null;
        for (int i = 0; i < 12 && retryAfter == null; i++) {
            var answer = given().contentType(ContentType.JSON)
                    .body(Map.of("username", victim.username(), "password", "guess number " + i))
                    .when().post("/sessions");
            if (answer.statusCode() == 401) {
                refusedAsWrong++;
            } else {
                assertThat(answer.statusCode()).isEqualTo(429);
                assertThat(answer.contentType()).isEqualTo(PROBLEM);
                retryAfter = answer.header("Retry-After");
            }
        }
        assertThat(refusedAsWrong).as("guesses checked before the limit").isEqualTo(9);
        assertThat(Long.parseLong(retryAfter)).isBetween(1L, 120L);
        // While limited, even the right password is not checked: the guesser learns nothing.
        given().contentType(ContentType.JSON).body(Map.of("username", victim.username(), "password",
                ProfileApi.PASSWORD)).when().post("/sessions").then().statusCode(429);
    }

    @Test
    void othersSeeAPublicProfileWithoutEmailTheOwnerAndAdminsSeeItAll() {
        ProfileApi.Account owner = account();
        ProfileApi.Account other = account();
        given().when().get("/profiles/" + owner.id()).then().statusCode(200)
                .body("username", equalTo(owner.username())).body("$", not(org.hamcrest.Matchers.hasKey("email")));
        given().header("Authorization", other.bearer()).when().get("/profiles/" + owner.id()).then()
                .statusCode(200).body("$", not(org.hamcrest.Matchers.hasKey("email")));
        given().header("Authorization", owner.bearer()).when().get("/profiles/" + owner.id()).then()
                .statusCode(200).body("email", equalTo(owner.username() + "@example.org"));
        given().header("Authorization", OPERATOR).when().get("/profiles/" + owner.id()).then()
                .statusCode(200).body("email", equalTo(owner.username() + "@example.org"));
    }

    @Test
    void onlyAnAdminGivesRolesAndTheSessionsOfTheProfileSeeThemAtOnce() {
        ProfileApi.Account user = account();
        given().header("Authorization", user.bearer()).when().get("/sessions/current").then().statusCode(200)
                .body("roles", equalTo(List.of()));
        Map<String, Object> editor = Map.of("roles", List.of("editor"));
        given().contentType(ContentType.JSON).body(editor).when().put("/profiles/" + user.id() + "/roles")
                .then().statusCode(401).contentType(PROBLEM);
        given().contentType(ContentType.JSON).header("Authorization", user.bearer()).body(editor)
                .when().put("/profiles/" + user.id() + "/roles").then().statusCode(403).contentType(PROBLEM);
        given().contentType(ContentType.JSON).header("Authorization", OPERATOR).body(Map.of("roles",
                List.of("wizard"))).when().put("/profiles/" + user.id() + "/roles")
                .then().statusCode(400).body("errors.field", hasItem("roles"));
        given().contentType(ContentType.JSON).header("Authorization", OPERATOR).body(editor)
                .when().put("/profiles/" + user.id() + "/roles").then().statusCode(200)
                .body("roles", equalTo(List.of("editor")));
        // The session was cached with no roles; the change invalidated it, so the next check sees the new roles.
        given().header("Authorization", user.bearer()).when().get("/sessions/current").then().statusCode(200)
                .body("roles", equalTo(List.of("editor")));
    }

    @Test
    void aCachedSessionRewrittenInRedisWithoutTheSecretIsNotTrusted() {
        ProfileApi.Account user = account();
        // The owner's own read authenticates here, and caches the session (GET /sessions/current, another service's
        // check, does not: the asking service fills the entry).
        given().header("Authorization", user.bearer()).when().get("/profiles/" + user.id()).then().statusCode(200);
        String key = "profile:sessions:v2:{" + Authenticator.hash(user.token()) + "}";
        try (RedisCli redis = RedisCli.connect(TestServers.get().redisUrl())) {
            String cached = awaitValue(redis, key); // the cache is filled once the answer has left
            assertThat(cached).contains("\"mac\"");
            // Someone with write access to Redis makes the user an admin, keeping the old MAC...
            redis.call("SET", key, cached.replace("\"roles\":[]", "\"roles\":[\"admin\"]"), "EX", "300");
            given().contentType(ContentType.JSON).header("Authorization", user.bearer())
                    .body(Map.of("roles", List.of("admin"))).when().put("/profiles/" + user.id() + "/roles")
                    .then().statusCode(403);
            // ... and the entry was dropped; the next check reads the database, and the next read caches the truth.
            given().header("Authorization", user.bearer()).when().get("/sessions/current").then().statusCode(200)
                    .body("roles", equalTo(List.of()));
            given().header("Authorization", user.bearer()).when().get("/profiles/" + user.id()).then().statusCode(200);
            assertThat(awaitValue(redis, key)).contains("\"roles\":[]");
        }
    }

    private static String awaitValue(RedisCli redis, String key) {
        long deadline = System.nanoTime() + 5_000_000_000L;
        Object value = redis.call("GET", key);
        while (value == null && System.nanoTime() < deadline) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            value = redis.call("GET", key);
        }
        return (String) value;
    }

    @Test
    void aBodyOverTheLimitIsA413ProblemBeforeItIsRead() {
        Map<String, Object> body = registration(uniqueUsername());
        body.put("bio", "x".repeat(70 * 1024));
        given().contentType(ContentType.JSON).body(body).when().post("/profiles")
                .then().statusCode(413).contentType(PROBLEM).body("status", equalTo(413));
    }
}
