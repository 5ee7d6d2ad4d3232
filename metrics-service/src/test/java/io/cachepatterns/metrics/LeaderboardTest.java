package io.cachepatterns.metrics;

import static io.cachepatterns.testsupport.StandInProfiles.OPERATOR;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.cachepatterns.testsupport.RealServersResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Leaderboards: ranks from a Redis sorted set that always agrees with PostgreSQL, and comes back when lost. */
@QuarkusTest
@WithTestResource(RealServersResource.class)
class LeaderboardTest {

    @Inject
    Redis redis;

    private static void score(String board, String player, long score) {
        given().header("Authorization", OPERATOR).contentType(ContentType.JSON)
                .body(Map.of("player", player, "score", score))
                .when().post("/leaderboards/" + board + "/scores").then().statusCode(200);
    }

    private static List<String> ranking(String board) {
        return given().queryParam("limit", 100).when().get("/leaderboards/" + board)
                .then().statusCode(200).extract().jsonPath().getList("entries.member");
    }

    /** The ranking as PostgreSQL orders it, ties broken as Redis breaks them (member, descending). */
    private static List<String> databaseRanking(String board) throws Exception {
        List<String> players = new ArrayList<>();
        try (Connection connection = Database.connect(Database.NAME);
             PreparedStatement select = connection.prepareStatement(
                     "SELECT player FROM leaderboard_score WHERE board = ? ORDER BY score DESC, player DESC")) {
            select.setString(1, board);
            try (ResultSet rows = select.executeQuery()) {
                while (rows.next()) {
                    players.add(rows.getString(1));
                }
            }
        }
        return players;
    }

    @Test
    void ranksMatchTheDatabaseAndTheBestScoreCounts() throws Exception {
        String board = "b-" + UUID.randomUUID().toString().substring(0, 8);
        score(board, "ada", 300);
        score(board, "bob", 500);
        score(board, "cy", 400);
        score(board, "bob", 100); // lower than bob's best: ignored
        score(board, "ada", 600); // better: counts
        score(board, "dee", 400); // a tie with cy

        assertEquals(List.of("ada", "bob", "dee", "cy"), ranking(board));
        assertEquals(databaseRanking(board), ranking(board));
        given().when().get("/leaderboards/" + board + "/players/bob")
                .then().statusCode(200).body("rank", equalTo(2)).body("score", equalTo(500));
        given().when().get("/leaderboards/" + board + "/players/nobody").then().statusCode(404);
    }

    @Test
    void aLostSortedSetIsRebuiltFromTheDatabase() throws Exception {
        String board = "b-" + UUID.randomUUID().toString().substring(0, 8);
        for (int i = 0; i < 30; i++) {
            score(board, "player" + i, (i * 37) % 101);
        }
        List<String> before = ranking(board);
        assertEquals(databaseRanking(board), before);
        // Redis loses the set; one new score re-creates it with a single member.
        redis.send(Request.cmd(Command.DEL).arg("metrics:leaderboards:v1:{" + board + "}")
                .arg("metrics:leaderboards:v1:{" + board + "}:complete")).await().indefinitely();
        score(board, "late", 0);

        List<String> after = ranking(board);
        assertEquals(databaseRanking(board), after, "rebuilt from PostgreSQL, not the one-member set");
        assertEquals(31, after.size());
    }

    /**
     * A read bounded by {@code load-timeout} (5 s) even when its rebuild waits on the database: PostgreSQL holds the
     * scores table locked for 12 s while the set must be rebuilt, and the read answers a 503 problem at the bound
     * instead of waiting for the lock (before the bound covered rebuilds and the database fallback: a 200 after 12 s).
     */
    @Test
    void aRebuildThatWaitsOnTheDatabaseIsAnswered503AtTheLoadTimeout() throws Exception {
        String board = "b-" + UUID.randomUUID().toString().substring(0, 8);
        score(board, "ann", 10);
        redis.send(Request.cmd(Command.DEL).arg("metrics:leaderboards:v1:{" + board + "}")
                .arg("metrics:leaderboards:v1:{" + board + "}:complete")).await().indefinitely();
        try (Connection locker = Database.connect(Database.NAME)) {
            locker.setAutoCommit(false);
            locker.createStatement().execute("LOCK TABLE leaderboard_score IN ACCESS EXCLUSIVE MODE");
            Thread unlock = new Thread(() -> {
                try {
                    Thread.sleep(12_000);
                    locker.rollback();
                } catch (Exception e) {
                    // the connection is closed below either way
                }
            });
            unlock.start();
            long started = System.nanoTime();
            given().when().get("/leaderboards/" + board).then().statusCode(503)
                    .contentType("application/problem+json");
            System.out.printf("a leaderboard read over a locked table answered after %d ms%n",
                    (System.nanoTime() - started) / 1_000_000);
            unlock.join();
        }
        assertEquals(List.of("ann"), ranking(board), "rebuilt once the table is free again");
    }

    @Test
    void withRedisStoppedRanksComeFromTheDatabase() throws Exception {
        var servers = io.cachepatterns.testsupport.TestServers.get();
        org.junit.jupiter.api.Assumptions.assumeTrue(servers.canStopRedis(), "these servers are not ours to stop");
        String board = "b-" + UUID.randomUUID().toString().substring(0, 8);
        score(board, "ann", 10);
        score(board, "ben", 30);
        score(board, "cat", 20);
        servers.stopRedis();
        try {
            assertEquals(List.of("ben", "cat", "ann"), ranking(board));
            given().when().get("/leaderboards/" + board + "/players/cat")
                    .then().statusCode(200).body("rank", equalTo(2)).body("score", equalTo(20));
        } finally {
            servers.startRedis();
        }
    }

    @Test
    void badScoresAndNamesAreNamed() {
        given().header("Authorization", OPERATOR).contentType(ContentType.JSON)
                .body("{\"player\":\"ada\",\"score\":\"lots\"}")
                .when().post("/leaderboards/b1/scores").then().statusCode(400)
                .body("errors.field", org.hamcrest.Matchers.hasItem("score"));
        given().header("Authorization", OPERATOR).contentType(ContentType.JSON)
                .body(Map.of("player", "ada", "score", -1))
                .when().post("/leaderboards/b1/scores").then().statusCode(400)
                .body("errors.field", org.hamcrest.Matchers.hasItem("score"));
        given().header("Authorization", OPERATOR).contentType(ContentType.JSON)
                .body(Map.of("player", "x".repeat(65), "score", 1))
                .when().post("/leaderboards/b1/scores").then().statusCode(400)
                .body("errors.field", org.hamcrest.Matchers.hasItem("player"));
        given().when().get("/leaderboards/" + "x".repeat(65)).then().statusCode(400)
                .body("errors.field", org.hamcrest.Matchers.hasItem("board"));
        given().queryParam("limit", 0).when().get("/leaderboards/b1").then().statusCode(400);
    }

    @Test
    void badCounterInputIsNamed() {
        given().when().post("/items/" + "i".repeat(65) + "/views").then().statusCode(400)
                .body("errors.field", org.hamcrest.Matchers.hasItem("itemId"));
        given().queryParam("count", -1).when().post("/items/a/views").then().statusCode(400)
                .body("errors.field", org.hamcrest.Matchers.hasItem("count"));
        given().header("Authorization", OPERATOR).queryParam("count", 100_000).when().post("/items/a/views")
                .then().statusCode(400)
                .body("errors.field", org.hamcrest.Matchers.hasItem("count"));
        given().header("Authorization", OPERATOR).queryParam("count", "many")
                .when().post("/items/a/views").then().statusCode(400);
        given().queryParam("metric", "shares").when().get("/items/top").then().statusCode(400)
                .body("errors.field", org.hamcrest.Matchers.hasItem("metric"));
    }
}
