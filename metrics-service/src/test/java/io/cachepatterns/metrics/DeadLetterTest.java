package io.cachepatterns.metrics;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

import io.cachepatterns.metrics.item.service.CounterService;
import io.cachepatterns.testsupport.RealServersResource;
import io.cachepatterns.testsupport.StandInProfiles;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

/** The dead letters of the counters' write-behind, listed and replayed over HTTP by an admin. */
@QuarkusTest
@WithTestResource(RealServersResource.class)
class DeadLetterTest {

    private static final String ADMIN = "Bearer test-admin-token";
    private static final String DEAD = "metrics:counters:v1:{wb}:dead";

    @Inject
    Redis redis;

    @Inject
    CounterService counters;

    @Test
    void aDeadLetterIsListedAndReplayedIntoPostgreSQL() throws Exception {
        String item = "dead-" + System.nanoTime();
        given().header("Authorization", ADMIN).queryParam("count", 4).when().post("/items/" + item + "/views")
                .then().statusCode(202);
        // As the flusher would after max-attempts failures: the entry is in the dead-letter stream.
        redis.send(Request.cmd(Command.XADD).arg(DEAD).arg("*").arg("id").arg(item).arg("views").arg("4")
                .arg("likes").arg("0").arg("error").arg("refused by the database")).await().indefinitely();

        given().header("Authorization", ADMIN).when().get("/admin/dead-letters")
                .then().statusCode(200).body("id", hasItem(item)).body("error", hasItem("refused by the database"));
        given().header("Authorization", ADMIN).when().post("/admin/dead-letters/replay")
                .then().statusCode(200).body("replayed", org.hamcrest.Matchers.greaterThanOrEqualTo(1));
        given().header("Authorization", ADMIN).when().get("/admin/dead-letters")
                .then().statusCode(200).body("id", org.hamcrest.Matchers.not(hasItem(item)));

        counters.writeBehind().flushOnce().await().indefinitely();
        org.junit.jupiter.api.Assertions.assertEquals(4, Database.counter(item, "views"));
    }

    @Test
    void aRowPostgreSQLRefusesGoesToTheDeadLettersWhileTheOthersLand() throws Exception {
        String poison = "poison-" + System.nanoTime();
        String healthy = "healthy-" + System.nanoTime();
        // PostgreSQL itself refuses the poison row, as a constraint would refuse bad data.
        try (var connection = Database.connect(Database.NAME); var statement = connection.createStatement()) {
            statement.execute("CREATE OR REPLACE FUNCTION refuse_poison() RETURNS trigger LANGUAGE plpgsql AS $$ "
                    + "BEGIN RAISE EXCEPTION 'poison row %', NEW.item_id; END $$");
            statement.execute("DROP TRIGGER IF EXISTS refuse_poison ON item_counter");
            statement.execute("CREATE TRIGGER refuse_poison BEFORE INSERT OR UPDATE ON item_counter FOR EACH ROW "
                    + "WHEN (NEW.item_id LIKE 'poison-%') EXECUTE FUNCTION refuse_poison()");
        }
        try {
            given().header("Authorization", ADMIN).queryParam("count", 3)
                    .when().post("/items/" + healthy + "/views").then().statusCode(202);
            given().header("Authorization", ADMIN).queryParam("count", 2)
                    .when().post("/items/" + poison + "/views").then().statusCode(202);
            given().header("Authorization", ADMIN).queryParam("count", 4)
                    .when().post("/items/" + healthy + "/views").then().statusCode(202);

            // Each failed flush counts an attempt; after max-attempts (5) the entry moves to the dead letters.
            long deadline = System.nanoTime() + java.time.Duration.ofSeconds(30).toNanos();
            while (!deadLetterIds().contains(poison)) {
                org.assertj.core.api.Assertions.assertThat(System.nanoTime()).as("the poison entry is dead-lettered")
                        .isLessThan(deadline);
                counters.writeBehind().flushOnce().await().indefinitely();
            }

            org.junit.jupiter.api.Assertions.assertEquals(7, Database.counter(healthy, "views"),
                    "the healthy item landed, not held back by the poison one");
            org.junit.jupiter.api.Assertions.assertEquals(0, Database.counter(poison, "views"));
            given().header("Authorization", ADMIN).when().get("/admin/dead-letters").then().statusCode(200)
                    .body("find { it.id == '" + poison + "' }.error", org.hamcrest.Matchers.containsString("poison"));
        } finally {
            try (var connection = Database.connect(Database.NAME); var statement = connection.createStatement()) {
                statement.execute("DROP TRIGGER IF EXISTS refuse_poison ON item_counter");
            }
        }
    }

    private static java.util.List<String> deadLetterIds() {
        return given().header("Authorization", ADMIN).when().get("/admin/dead-letters")
                .then().statusCode(200).extract().jsonPath().getList("id", String.class);
    }

    @Test
    void deadLettersNeedTheAdminRole() {
        given().when().get("/admin/dead-letters").then().statusCode(401).contentType("application/problem+json");
        given().header("Authorization", "Bearer wrong").when().post("/admin/dead-letters/replay")
                .then().statusCode(401).body("status", equalTo(401));
        // A signed-in user who is no admin.
        given().header("Authorization", StandInProfiles.get().bearer(301, "editor"))
                .when().post("/admin/dead-letters/replay").then().statusCode(403).body("status", equalTo(403));
    }
}
