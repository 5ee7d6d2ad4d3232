package io.cachepatterns.metrics;

import static io.cachepatterns.testsupport.StandInProfiles.OPERATOR;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import io.cachepatterns.testsupport.RealServersResource;
import io.cachepatterns.testsupport.Servers;
import io.cachepatterns.testsupport.StandInProfiles;
import io.cachepatterns.testsupport.TestServers;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.util.UUID;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * A like is a signed-in user's own: once per user however often sent, taken back only by its owner, and counted
 * exactly once even when the count could not be written the first time.
 */
@QuarkusTest
@WithTestResource(RealServersResource.class)
class LikeTest {

    private static final String PROBLEM = "application/problem+json";

    private static String item() {
        return "liked-" + UUID.randomUUID().toString().substring(0, 18);
    }

    private static int like(String item, String bearer) {
        return given().header("Authorization", bearer).when().post("/items/" + item + "/likes")
                .then().statusCode(202).extract().jsonPath().getInt("likes");
    }

    @Test
    void aUserLikesOnceHoweverOftenAndUnlikesOnlyTheirOwn() {
        String item = item();
        String ada = StandInProfiles.get().bearer(401);
        String bob = StandInProfiles.get().bearer(402);
        for (int i = 0; i < 5; i++) {
            assertThat(like(item, ada)).as("ada's like, sent %d times", i + 1).isEqualTo(1);
        }
        assertThat(like(item, bob)).isEqualTo(2);
        // Bob unlikes twice: his own like goes, Ada's stays.
        for (int i = 0; i < 2; i++) {
            given().header("Authorization", bob).when().delete("/items/" + item + "/likes")
                    .then().statusCode(202).body("likes", equalTo(1));
        }
        given().header("Authorization", ada).when().get("/items/" + item + "/likes/mine")
                .then().statusCode(200).body("liked", equalTo(true));
        given().header("Authorization", bob).when().get("/items/" + item + "/likes/mine")
                .then().statusCode(200).body("liked", equalTo(false));
        // Liking again after an unlike counts again.
        assertThat(like(item, bob)).isEqualTo(2);
    }

    @Test
    void aStrangersIdempotencyKeyCannotBlockAUsersLike() {
        String item = item();
        // Profile ids are public and a like's first generation predictable: a stranger sends the key the service
        // would use for that like, on an anonymous view of the same item.
        for (String forged : new String[] {"like:405:1", "like:405:0", "unlike:405:1", "server:like:405:1"}) {
            given().header("Idempotency-Key", forged).when().post("/items/" + item + "/views")
                    .then().statusCode(202);
        }
        assertThat(like(item, StandInProfiles.get().bearer(405))).as("the user's like is counted").isEqualTo(1);
        given().when().get("/items/" + item + "/stats").then().statusCode(200)
                .body("views", equalTo(4)).body("likes", equalTo(1));
    }

    @Test
    void likesNeedASignedInUser() {
        String item = item();
        given().when().post("/items/" + item + "/likes").then().statusCode(401).contentType(PROBLEM);
        given().when().delete("/items/" + item + "/likes").then().statusCode(401).contentType(PROBLEM);
        given().header("Authorization", "Bearer not-a-session").when().post("/items/" + item + "/likes")
                .then().statusCode(401).contentType(PROBLEM);
        given().header("Authorization", OPERATOR).when().post("/items/" + item + "/likes")
                .then().statusCode(403).contentType(PROBLEM);
        given().when().get("/items/" + item + "/stats").then().statusCode(200).body("likes", equalTo(0));
    }

    @Test
    void severalViewsAtOnceNeedATrustedCaller() {
        String item = item();
        given().queryParam("count", 50).when().post("/items/" + item + "/views")
                .then().statusCode(401).contentType(PROBLEM);
        given().header("Authorization", StandInProfiles.get().bearer(403)).queryParam("count", 50)
                .when().post("/items/" + item + "/views").then().statusCode(403).contentType(PROBLEM);
        given().header("Authorization", StandInProfiles.get().bearer(404, "service")).queryParam("count", 50)
                .when().post("/items/" + item + "/views").then().statusCode(202).body("views", equalTo(50));
        given().when().post("/items/" + item + "/views").then().statusCode(202).body("views", equalTo(51));
    }

    @Test
    void aLikeWhoseCountDidNotGetThroughIsCountedOnceWhenTheUserTriesAgain() {
        Servers servers = TestServers.get();
        Assumptions.assumeTrue(servers.canStopRedis(), "these servers are not ours to freeze");
        String item = item();
        String ada = StandInProfiles.get().bearer(405);
        like(item, StandInProfiles.get().bearer(406)); // the item's counters are in Redis
        // Redis hangs while Ada's like is recorded: the like is in PostgreSQL, its count is not acknowledged.
        servers.freezeRedis();
        try {
            given().header("Authorization", ada).when().post("/items/" + item + "/likes")
                    .then().statusCode(503).contentType(PROBLEM);
        } finally {
            servers.thawRedis();
        }
        // Her retry counts it, once, whether or not the first attempt reached Redis after all.
        long deadline = System.nanoTime() + 10_000_000_000L;
        int status;
        do {
            status = given().header("Authorization", ada).when().post("/items/" + item + "/likes").statusCode();
        } while (status == 503 && System.nanoTime() < deadline);
        assertThat(status).isEqualTo(202);
        assertThat(like(item, ada)).isEqualTo(2);
        given().when().get("/items/" + item + "/stats").then().statusCode(200).body("likes", equalTo(2));
    }
}
