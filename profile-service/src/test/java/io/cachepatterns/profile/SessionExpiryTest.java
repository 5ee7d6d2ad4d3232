package io.cachepatterns.profile;

import static io.restassured.RestAssured.given;

import io.cachepatterns.testsupport.RealServersResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A session's cache entry lives as long as the session: once it expires, it is gone everywhere. */
@QuarkusTest
@TestProfile(SessionExpiryTest.ShortSessions.class)
@WithTestResource(RealServersResource.class)
class SessionExpiryTest {

    @Test
    void anExpiredSessionIsRefused() throws InterruptedException {
        ProfileApi.Account account = ProfileApi.account();
        given().header("Authorization", account.bearer()).when().get("/sessions/current").then().statusCode(200);
        given().header("Authorization", account.bearer()).when().get("/sessions/current").then().statusCode(200);

        Thread.sleep(2_300);

        given().header("Authorization", account.bearer()).when().get("/sessions/current").then().statusCode(401);
    }

    public static class ShortSessions implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("session.lifetime", "PT2S");
        }
    }
}
