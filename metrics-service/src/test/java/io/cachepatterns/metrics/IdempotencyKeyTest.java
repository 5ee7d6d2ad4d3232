package io.cachepatterns.metrics;

import static io.cachepatterns.testsupport.StandInProfiles.OPERATOR;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;

import io.cachepatterns.testsupport.RealServersResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * {@code Idempotency-Key} on increments, over HTTP against real Redis and PostgreSQL: a client that retries (its
 * first answer was a timeout or a 503 after Redis had taken the write) counts once, and hears the first answer.
 */
@QuarkusTest
@WithTestResource(RealServersResource.class)
class IdempotencyKeyTest {

    private static Response view(String item, int count, String key) {
        var request = given().header("Authorization", OPERATOR).queryParam("count", count);
        if (key != null) {
            request = request.header("Idempotency-Key", key);
        }
        return request.when().post("/items/" + item + "/views");
    }

    @Test
    void aRetriedIncrementCountsOnceAndIsAnsweredAsTheFirst() throws Exception {
        String item = "idem-" + UUID.randomUUID();
        String key = UUID.randomUUID().toString();
        Response first = view(item, 3, key);
        first.then().statusCode(202).header("Idempotent-Replayed", nullValue()).body("views", equalTo(3));
        for (int retry = 0; retry < 3; retry++) {
            view(item, 3, key).then().statusCode(202).header("Idempotent-Replayed", "true")
                    .body(equalTo(first.body().asString()));
        }
        view(item, 1, null).then().statusCode(202).body("views", equalTo(4)); // without a key: applied

        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (Database.counter(item, "views") < 4 && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        Thread.sleep(1_500); // one more flush: nothing more may arrive
        org.junit.jupiter.api.Assertions.assertEquals(4, Database.counter(item, "views"),
                "PostgreSQL has 3 once, plus the unkeyed 1");
    }

    @Test
    void aKeyReusedForAnotherRequestIsAProblemNamingTheHeader() {
        String item = "idem-" + UUID.randomUUID();
        String key = UUID.randomUUID().toString();
        view(item, 1, key).then().statusCode(202);
        view(item, 2, key).then().statusCode(422).contentType("application/problem+json")
                .body("errors[0].field", equalTo("Idempotency-Key"));
    }

    @Test
    void aMalformedKeyIsABadRequestNamingTheHeader() {
        for (String bad : new String[] {"has space", "x".repeat(256), "caf\u00e9"}) {
            view("idem-bad", 1, bad).then().statusCode(400).contentType("application/problem+json")
                    .body("errors[0].field", equalTo("Idempotency-Key"));
        }
    }
}
