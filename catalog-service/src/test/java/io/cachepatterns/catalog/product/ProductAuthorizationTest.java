package io.cachepatterns.catalog.product;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import io.cachepatterns.shared.auth.Authenticator;
import io.cachepatterns.testsupport.RealServersResource;
import io.cachepatterns.testsupport.RedisCli;
import io.cachepatterns.testsupport.StandInProfiles;
import io.cachepatterns.testsupport.TestServers;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * Who may change the catalog: an editor or an admin (or the operator's token), checked before the body is read,
 * with sessions checked through the shared Authenticator (profile-service is a stand-in here) and cached in Redis
 * under a MAC that a writer to Redis cannot make.
 */
@QuarkusTest
@WithTestResource(RealServersResource.class)
class ProductAuthorizationTest {

    private static final String PROBLEM = "application/problem+json";

    @Test
    void withoutACredentialAWriteIsA401AndTheBodyIsNeverParsed() {
        given().contentType(ContentType.JSON).body(ProductApi.input("anonymous"))
                .when().post("/products").then().statusCode(401).contentType(PROBLEM)
                .header("WWW-Authenticate", "Bearer");
        // Malformed JSON would be a 400 if it were read: the 401 shows the token is checked first.
        given().contentType(ContentType.JSON).body("{\"sku\": ")
                .when().post("/products").then().statusCode(401).contentType(PROBLEM);
        given().when().delete("/products/1").then().statusCode(401).contentType(PROBLEM);
    }

    @Test
    void aSignedInUserWithoutTheEditorRoleIsA403AndAnEditorMayWrite() {
        String user = StandInProfiles.get().bearer(101);
        given().header("Authorization", user).contentType(ContentType.JSON).body(ProductApi.input("nope"))
                .when().post("/products").then().statusCode(403).contentType(PROBLEM)
                .body("detail", equalTo("this needs the role 'editor'"));
        String editor = StandInProfiles.get().bearer(102, "editor");
        long id = given().header("Authorization", editor).contentType(ContentType.JSON)
                .body(ProductApi.input("edited")).when().post("/products")
                .then().statusCode(201).extract().jsonPath().getLong("id");
        given().header("Authorization", editor).when().delete("/products/" + id).then().statusCode(204);
    }

    @Test
    void aSessionIsAskedForOnceThenServedFromRedis() {
        String editor = StandInProfiles.get().signIn(103, "editor");
        int before = StandInProfiles.get().lookups();
        for (int i = 0; i < 5; i++) {
            given().header("Authorization", "Bearer " + editor).contentType(ContentType.JSON)
                    .body(ProductApi.input("cached " + i)).when().post("/products").then().statusCode(201);
        }
        assertThat(StandInProfiles.get().lookups() - before).as("profile-service asked").isEqualTo(1);
    }

    @Test
    void withProfileServiceDownACachedSessionStillWorksAndAnUnknownOneIsA503() {
        String cached = StandInProfiles.get().bearer(105, "editor");
        String unknown = StandInProfiles.get().bearer(106, "editor");
        given().header("Authorization", cached).contentType(ContentType.JSON)
                .body(ProductApi.input("while up")).when().post("/products").then().statusCode(201);
        StandInProfiles.get().down(true);
        try {
            given().header("Authorization", cached).contentType(ContentType.JSON)
                    .body(ProductApi.input("while down")).when().post("/products").then().statusCode(201);
            // Never let in for want of an answer, never a 500: the caller is told to try again.
            given().header("Authorization", unknown).contentType(ContentType.JSON)
                    .body(ProductApi.input("unchecked")).when().post("/products").then().statusCode(503)
                    .contentType(PROBLEM);
        } finally {
            StandInProfiles.get().down(false);
        }
        given().header("Authorization", unknown).contentType(ContentType.JSON)
                .body(ProductApi.input("checked")).when().post("/products").then().statusCode(201);
    }

    @Test
    void aLogoutThatReachesRedisIsSeenAtOnce() {
        String token = StandInProfiles.get().signIn(104, "editor");
        given().header("Authorization", "Bearer " + token).contentType(ContentType.JSON)
                .body(ProductApi.input("before logout")).when().post("/products").then().statusCode(201);
        // What profile-service's logout does: ends the session, deletes the one cache entry every service reads.
        StandInProfiles.get().signOut(token);
        try (RedisCli redis = RedisCli.connect(TestServers.get().redisUrl())) {
            assertThat(redis.number("DEL", sessionKey(token))).isEqualTo(1);
        }
        given().header("Authorization", "Bearer " + token).contentType(ContentType.JSON)
                .body(ProductApi.input("after logout")).when().post("/products").then().statusCode(401);
    }

    @Test
    void aSessionWrittenIntoRedisWithoutTheSecretIsRefused() {
        // Whoever can write to Redis makes up an admin session for a token of their choosing...
        String token = "forged-token-" + System.nanoTime();
        String forged = "{\"profileId\":1,\"roles\":[\"admin\"],\"expiresAt\":\"" + Instant.now().plusSeconds(600)
                + "\",\"mac\":\"" + "A".repeat(43) + "\"}";
        try (RedisCli redis = RedisCli.connect(TestServers.get().redisUrl())) {
            redis.call("SET", sessionKey(token), forged, "EX", "600");
            // ... and is refused: the MAC does not verify, so profile-service is asked, which knows no such token.
            given().header("Authorization", "Bearer " + token).contentType(ContentType.JSON)
                    .body(ProductApi.input("forged")).when().post("/products").then().statusCode(401)
                    .contentType(PROBLEM);
            assertThat(redis.call("GET", sessionKey(token))).as("the forged entry, dropped").isNull();
        }
    }

    private static String sessionKey(String token) {
        return "profile:sessions:v2:{" + Authenticator.hash(token) + "}";
    }
}
