package io.cachepatterns.bench.report;

import io.cachepatterns.testsupport.PostgresAddress;
import io.cachepatterns.testsupport.RedisCli;
import java.net.URI;
import java.time.Duration;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.HdrHistogram.Histogram;

/**
 * The row of write-through on a sorted set (metrics-service's leaderboards) measured for one target — the service
 * or the naive baseline — on boards of its own: the top 10 read from the set (hits) and after the set was lost
 * (misses: rebuilt from the database), scores written, database queries at a read:write mix, loads when 200 readers
 * find the set missing at once, and scores of one player written at once: whether the set ends holding the best
 * score, as the database does.
 */
final class SortedSetRow {

    /** What one target measured. */
    record Figures(Histogram hits, Histogram misses, Histogram writes, double queriesPer1000, long stampedeLoads,
                   Freshness freshness) implements Measured {
    }

    static final int WRITERS_PER_TRIAL = 4;
    private static final Pattern SCORE = Pattern.compile("\"score\":(\\d+)");

    private final HttpProbe http;
    private final QueryCounter queries;
    private final PostgresAddress database;
    private final String redisUrl;
    private final boolean quick;

    SortedSetRow(HttpProbe http, QueryCounter queries, PostgresAddress database, String redisUrl, boolean quick) {
        this.http = http;
        this.queries = queries;
        this.database = database;
        this.redisUrl = redisUrl;
        this.quick = quick;
    }

    /** Measures {@code base} on boards named {@code board…} (letters and digits: also a Redis key pattern). */
    Figures measure(URI base, String board) throws Exception {
        int samples = quick ? 200 : 1_000;
        for (int p = 0; p < 100; p++) {
            http.post(scores(base, board), score("player" + p, 1_000 + p)).expect(200);
        }
        URI top = base.resolve("/leaderboards/" + board + "?limit=10");
        http.get(top).expect(200);
        Histogram hits = HttpProbe.histogram();
        for (int i = 0; i < samples; i++) {
            hits.recordValue(http.get(top).expect(200).micros());
        }
        Histogram misses = HttpProbe.histogram();
        for (int i = 0; i < samples / 10; i++) {
            forget(board);
            misses.recordValue(http.get(top).expect(200).micros());
        }
        Histogram writes = HttpProbe.histogram();
        for (int i = 0; i < samples / 4; i++) {
            writes.recordValue(http.post(scores(base, board), score("player" + i % 100, 2_000 + i)).expect(200)
                    .micros());
        }
        double queriesPer1000 = queries.perThousandRequests(quick ? 1_000 : 4_000,
                (random, i) -> http.get(top).expect(200),
                (random, i) -> http.post(scores(base, board), score("player" + random.nextInt(100),
                        3_000 + random.nextInt(1_000))).expect(200), Duration.ZERO);
        forget(board);
        long stampedeLoads = queries.during(() -> http.getsAtOnce(top, 200).forEach(answer -> answer.expect(200)));

        int trials = quick ? 6 : 30;
        Freshness freshness = Freshness.forRaces(quick);
        Random random = new Random(7);
        for (int trial = 0; trial < trials; trial++) {
            race(base, board + "race" + trial, random, freshness);
        }
        return new Figures(hits, misses, writes, queriesPer1000, stampedeLoads, freshness);
    }

    /**
     * {@value #WRITERS_PER_TRIAL} scores of one player written at once, in a random order; once all are answered,
     * how long until the set holds the best of them, as the database does? A set left below stays so until the next
     * higher score.
     */
    private void race(URI base, String board, Random random, Freshness freshness) throws Exception {
        http.post(scores(base, board), score("racer", 1)).expect(200);
        List<Integer> values = new ArrayList<>(List.of(100, 200, 300, 400));
        java.util.Collections.shuffle(values, random);
        ExecutorService writers = Executors.newFixedThreadPool(WRITERS_PER_TRIAL);
        try {
            List<Future<HttpProbe.Answer>> answers = new ArrayList<>();
            for (int value : values) {
                answers.add(writers.submit(() -> http.post(scores(base, board), score("racer", value))));
            }
            for (Future<HttpProbe.Answer> answer : answers) {
                answer.get().expect(200);
            }
        } finally {
            writers.shutdown();
        }
        long allAnswered = System.nanoTime();
        long best = databaseScore(board, "racer");
        freshness.await(allAnswered, () -> {
            Matcher inSet = SCORE.matcher(http.get(base.resolve("/leaderboards/" + board + "/players/racer"))
                    .expect(200).body());
            return inSet.find() && Long.parseLong(inSet.group(1)) == best;
        });
    }

    /** Deletes the board's set (and whatever else Redis holds under its name): the next read rebuilds it. */
    private void forget(String board) {
        try (RedisCli redis = RedisCli.connect(redisUrl)) {
            for (String key : redis.keys("*" + board + "}*")) {
                redis.call("DEL", key);
            }
            for (String key : redis.keys("naive:board:" + board)) {
                redis.call("DEL", key);
            }
        }
    }

    private long databaseScore(String board, String player) throws Exception {
        try (Connection connection = DriverManager.getConnection(database.jdbcUrl("metrics"), database.user(),
                database.password());
             PreparedStatement select = connection.prepareStatement(
                     "SELECT score FROM leaderboard_score WHERE board = ? AND player = ?")) {
            select.setString(1, board);
            select.setString(2, player);
            try (ResultSet rows = select.executeQuery()) {
                return rows.next() ? rows.getLong(1) : -1;
            }
        }
    }

    private static URI scores(URI base, String board) {
        return base.resolve("/leaderboards/" + board + "/scores");
    }

    private static String score(String player, long score) {
        return "{\"player\":\"" + player + "\",\"score\":" + score + "}";
    }

    static Report.Row row(Figures library, Figures naive) {
        Report.Row row = Measured.row("write-through on a sorted set", "leaderboards (metrics-service)", library,
                naive);
        row.each("staleness", library, naive, SortedSetRow::setBehind);
        row.both("lost", Report.Cell.na("the database is written before the answer"));
        row.both("upstream", Report.Cell.na("scores come from the service's own database"));
        return row;
    }

    private static Report.Cell setBehind(Figures figures) {
        return Report.Cell.of("%d scores of one player at once, the set against the database's best: %s",
                WRITERS_PER_TRIAL, figures.freshness().describe("until a higher score"));
    }
}
