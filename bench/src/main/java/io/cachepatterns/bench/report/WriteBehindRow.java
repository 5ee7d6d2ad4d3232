package io.cachepatterns.bench.report;

import io.cachepatterns.testsupport.PostgresAddress;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.stream.IntStream;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;

/**
 * The write-behind row (metrics-service's view counters) measured for one target — the service or the naive
 * baseline — over items of its own: reads of counted items (hits) and of items only the database has (misses),
 * increments, database queries at a read:write mix, loads for a cold stampede, how far the database lags an
 * acknowledged increment, the increments lost when the target is killed and when Redis is lost, and the database's
 * count through an outage of the database (for the plot).
 */
final class WriteBehindRow {

    /** A target the row can crash and start again: same port, same Redis, same database. */
    interface Target {
        URI base();

        /** {@code kill -9}. */
        void crash() throws Exception;

        /** A new process in the crashed one's place, ready. */
        void restart() throws Exception;
    }

    /** Acknowledged increments, and how many of them the database never got. */
    record Loss(long acknowledged, long lost) {
    }

    /** The database's count and the acknowledged count, sampled through an outage of the database. */
    record Outage(List<Double> seconds, List<Double> acknowledged, List<Double> inDatabase, double outageFrom,
                  double outageTo) {
    }

    /** What one target measured. */
    record Figures(Histogram hits, Histogram misses, Histogram writes, double queriesPer1000, long stampedeLoads,
                   Freshness reads, Freshness database, Loss targetKilled, Loss redisKilledAof,
                   Loss redisLostEmpty, Outage outage) implements Measured {
    }

    /** The faults the row needs from outside: Redis killed and started again, the database cut off. */
    interface Faults {
        /** {@code kill -9} of Redis, then a start that replays its append-only file. */
        void killRedisKeepingAof();

        /** {@code kill -9} of Redis, then a start without its files: empty, as with no persistence. */
        void killRedisLosingEverything();

        void cutDatabase();

        void restoreDatabase();
    }

    private final HttpProbe http;
    private final QueryCounter queries;
    private final PostgresAddress database;
    private final Faults faults;
    private final boolean quick;

    WriteBehindRow(HttpProbe http, QueryCounter queries, PostgresAddress database, Faults faults, boolean quick) {
        this.http = http;
        this.queries = queries;
        this.database = database;
        this.faults = faults;
        this.quick = quick;
    }

    /** Measures {@code target} over items named {@code prefix-…}, which nobody else counts. */
    Figures measure(Target target, String prefix) throws Exception {
        URI base = target.base();
        int samples = quick ? 200 : 1_000;
        List<String> warm = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            warm.add(prefix + "-warm-" + i);
            http.post(views(base, warm.get(i)), "").expect(202);
        }
        List<String> cold = insertCold(prefix + "-cold", samples / 4 + 1);
        Histogram hits = HttpProbe.histogram();
        for (int i = 0; i < samples; i++) {
            hits.recordValue(http.get(stats(base, warm.get(i % warm.size()))).expect(200).micros());
        }
        Histogram misses = HttpProbe.histogram();
        for (int i = 0; i < samples / 4; i++) {
            misses.recordValue(http.get(stats(base, cold.get(i))).expect(200).micros());
        }
        Histogram writes = HttpProbe.histogram();
        for (int i = 0; i < samples / 4; i++) {
            writes.recordValue(http.post(views(base, warm.get(i % warm.size())), "").expect(202).micros());
        }
        Thread.sleep(2_500); // what earlier phases left to flush
        double queriesPer1000 = queries.perThousandRequests(quick ? 1_000 : 4_000,
                (random, i) -> http.get(stats(base, warm.get(random.nextInt(warm.size())))).expect(200),
                (random, i) -> http.post(views(base, warm.get(random.nextInt(warm.size()))), "").expect(202),
                Duration.ofMillis(2_500)); // the flushes the increments caused
        long stampedeLoads = queries.during(() -> http.getsAtOnce(stats(base, cold.get(cold.size() - 1)), 200)
                .forEach(answer -> answer.expect(200)));

        // Freshness: the count read right after an increment's answer, and how long the database takes to have it.
        Freshness reads = new Freshness(Duration.ofSeconds(2));
        Freshness database = new Freshness(Duration.ofSeconds(30));
        int freshnessReads = quick ? 3 : 12;
        for (int i = 0; i < freshnessReads; i++) {
            String item = prefix + "-lag-" + i;
            http.post(views(base, item), "").expect(202);
            long acknowledged = System.nanoTime();
            reads.await(acknowledged, () -> http.get(stats(base, item)).expect(200).body()
                    .contains("\"views\":1"));
            database.await(acknowledged, () -> databaseViews(item) >= 1);
        }

        Loss killed = loss(base, prefix + "-kill", () -> {
            target.crash();
            target.restart();
        });
        Loss aof = loss(base, prefix + "-aof", faults::killRedisKeepingAof);
        Loss empty = loss(base, prefix + "-empty", faults::killRedisLosingEverything);
        Outage outage = outage(base, prefix + "-outage");
        return new Figures(hits, misses, writes, queriesPer1000, stampedeLoads, reads, database, killed, aof, empty,
                outage);
    }

    /** What a fault in the middle of increments from 4 clients cost: acknowledged increments the database lacks. */
    private Loss loss(URI base, String prefix, Fault fault) throws Exception {
        Map<String, AtomicLong> acknowledged = new ConcurrentHashMap<>();
        AtomicBoolean writing = new AtomicBoolean(true);
        try (Clients writers = Clients.start(4, (writer, random) -> {
            for (int i = 0; writing.get(); i++) {
                String item = prefix + "-" + writer + "-" + i % 10;
                if (http.post(views(base, item), "").status() == 202) {
                    acknowledged.computeIfAbsent(item, k -> new AtomicLong()).incrementAndGet();
                } else {
                    // As a client backs off: a loop of refused connections would starve the CPU that Redis and
                    // PostgreSQL share with this one.
                    Thread.sleep(20);
                }
            }
        })) {
            Thread.sleep(quick ? 1_000 : 1_500);
            fault.happen();
            Thread.sleep(500);
            writing.set(false);
            writers.await();
        } finally {
            writing.set(false);
        }
        long total = acknowledged.values().stream().mapToLong(AtomicLong::get).sum();
        // Until the database has every acknowledged increment, or has not moved for 5 s, 3 quick (the write delay is
        // 1 s; a restarted instance claims a dead one's entries after its claim-idle, 2 s).
        long last = -1;
        long stillSince = System.nanoTime();
        while (System.nanoTime() - stillSince < TimeUnit.SECONDS.toNanos(quick ? 3 : 5)) {
            long now = databaseTotal(prefix);
            if (now >= total) {
                break;
            }
            if (now != last) {
                last = now;
                stillSince = System.nanoTime();
            }
            Thread.sleep(250);
        }
        long lost = 0;
        for (Map.Entry<String, AtomicLong> item : acknowledged.entrySet()) {
            lost += Math.max(0, item.getValue().get() - databaseViews(item.getKey()));
        }
        System.out.printf("  %s: %d acknowledged, %d lost%n", prefix, total, lost);
        return new Loss(total, lost);
    }

    /**
     * One client incrementing 20 items for a while, the database cut off in the middle: the acknowledged count and the
     * database's, every 250 ms. The gap is what is pending; a gap that never closes is lost.
     */
    private Outage outage(URI base, String prefix) throws Exception {
        double length = quick ? 10 : 24;
        double from = quick ? 3 : 6;
        double to = quick ? 6 : 14;
        AtomicLong acknowledged = new AtomicLong();
        AtomicBoolean writing = new AtomicBoolean(true);
        List<Double> seconds = new ArrayList<>();
        List<Double> acked = new ArrayList<>();
        List<Double> stored = new ArrayList<>();
        long start = System.nanoTime();
        try (Clients writer = Clients.start(1, (client, random) -> {
            for (int i = 0; writing.get(); i++) {
                if (http.post(views(base, prefix + "-" + i % 20), "").status() == 202) {
                    acknowledged.incrementAndGet();
                }
                Thread.sleep(5); // about 150 a second: a steady flow, not a flood
            }
        })) {
            boolean cut = false;
            boolean restored = false;
            double writingFor = length - 4; // then 4 s without writes, for the flusher to catch up
            while (true) {
                double t = (System.nanoTime() - start) / 1e9;
                if (t >= length) {
                    break;
                }
                if (!cut && t >= from) {
                    faults.cutDatabase();
                    cut = true;
                }
                if (!restored && t >= to) {
                    faults.restoreDatabase();
                    restored = true;
                }
                if (t >= writingFor) {
                    writing.set(false);
                }
                seconds.add(t);
                acked.add((double) acknowledged.get());
                stored.add((double) databaseTotal(prefix));
                Thread.sleep(250);
            }
            writing.set(false);
            writer.await();
        } finally {
            faults.restoreDatabase();
            writing.set(false);
        }
        return new Outage(seconds, acked, stored, from, to);
    }

    @FunctionalInterface
    private interface Fault {
        void happen() throws Exception;
    }

    /** Items only the database has (7 views each), as after Redis lost them or evicted them. */
    private List<String> insertCold(String prefix, int count) throws SQLException {
        List<String> items = new ArrayList<>();
        try (Connection connection = connect();
             PreparedStatement insert = connection.prepareStatement(
                     "INSERT INTO item_counter (item_id, views) VALUES (?, 7) ON CONFLICT DO NOTHING")) {
            for (int i = 0; i < count; i++) {
                items.add(prefix + "-" + i);
                insert.setString(1, items.get(i));
                insert.addBatch();
            }
            insert.executeBatch();
        }
        return items;
    }

    private long databaseViews(String item) throws SQLException {
        try (Connection connection = connect();
             PreparedStatement select = connection.prepareStatement(
                     "SELECT views FROM item_counter WHERE item_id = ?")) {
            select.setString(1, item);
            try (ResultSet rows = select.executeQuery()) {
                return rows.next() ? rows.getLong(1) : 0;
            }
        }
    }

    private long databaseTotal(String prefix) throws SQLException {
        try (Connection connection = connect();
             PreparedStatement select = connection.prepareStatement(
                     "SELECT coalesce(sum(views), 0) FROM item_counter WHERE item_id LIKE ?")) {
            select.setString(1, prefix + "-%");
            try (ResultSet rows = select.executeQuery()) {
                rows.next();
                return rows.getLong(1);
            }
        }
    }

    private Connection connect() throws SQLException {
        return DriverManager.getConnection(database.jdbcUrl("metrics"), database.user(), database.password());
    }

    static URI views(URI base, String item) {
        return base.resolve("/items/" + item + "/views");
    }

    static URI stats(URI base, String item) {
        return base.resolve("/items/" + item + "/stats");
    }

    static Report.Row row(Figures library, Figures naive) {
        Report.Row row = Measured.row("write-behind", "view counters", library, naive);
        row.each("staleness", library, naive, WriteBehindRow::databaseLag);
        row.each("lost", library, naive, WriteBehindRow::losses);
        row.both("upstream", Report.Cell.na("counters have no upstream"));
        return row;
    }

    private static Report.Cell databaseLag(Figures figures) {
        return Report.Cell.of("the count read after an increment: %s; in the database: %s",
                figures.reads().describe("until the next flush"),
                figures.database().describe("(lost or never flushed)"));
    }

    private static Report.Cell losses(Figures figures) {
        return Report.Cell.of("service kill -9: %d of %d; Redis kill -9 (AOF everysec): %d of %d; Redis lost"
                        + " (no persistence): %d of %d", figures.targetKilled().lost(),
                figures.targetKilled().acknowledged(), figures.redisKilledAof().lost(),
                figures.redisKilledAof().acknowledged(), figures.redisLostEmpty().lost(),
                figures.redisLostEmpty().acknowledged());
    }

    static void plot(Report report, Path out, Outage library,
                                        Outage naive) throws IOException {
        Charts.line(out.resolve("write-behind-outage.png"), "Write-behind through a database outage", "seconds",
                "acknowledged increments not in the database", List.of(
                        new Charts.Series("metrics-service", library.seconds(), pending(library)),
                        new Charts.Series("naive", naive.seconds(), pending(naive))));
        report.add(new Report.Plot("write-behind-outage.png", "Write-behind through a database outage",
                String.format(java.util.Locale.ROOT, "One client incrementing 20 items about 150 times a second;"
                        + " the database refuses connections from %.0f s to %.0f s; writes stop 4 s before the end."
                        + " What is still pending at the end is lost.", library.outageFrom(), library.outageTo())));
    }

    private static List<Double> pending(Outage outage) {
        return IntStream.range(0, outage.seconds().size())
                .mapToObj(i -> outage.acknowledged().get(i) - outage.inDatabase().get(i)).toList();
    }
}
