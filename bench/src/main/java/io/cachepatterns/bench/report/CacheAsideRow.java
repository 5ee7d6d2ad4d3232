package io.cachepatterns.bench.report;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.stream.IntStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.HdrHistogram.Histogram;

/**
 * The cache-aside row (catalog-service's products) measured for one target — the service or the naive baseline —
 * over products of its own: hits, misses, writes, database queries at a read:write mix, loads for a cold stampede,
 * and the race of a write with the first misses of a cold product (stale sets, and time to a fresh read).
 */
final class CacheAsideRow {

    /** What one target measured. */
    record Figures(Histogram hits, Histogram misses, Histogram writes, double queriesPer1000, long stampedeLoads,
                   Freshness freshness, int staleFirstReads,
                   List<Double> hitLatencyMillisOverRequests) implements Measured {
    }

    static final int WRITES_PER_TRIAL = 10;

    /** One race: reads right after a write that answered the old value, and whether the product ended fresh. */
    private final HttpProbe http;
    private final QueryCounter queries;
    private final boolean quick;

    CacheAsideRow(HttpProbe http, QueryCounter queries, boolean quick) {
        this.http = http;
        this.queries = queries;
        this.quick = quick;
    }

    /**
     * Measures {@code base} (its {@code /products/{id}}) over {@code warm} products and fresh ones from {@code cold};
     * {@code far} is a second instance of the same target, farther from the database, whose readers race the writes.
     */
    Figures measure(URI base, URI far, List<Long> warm, Iterator<Long> cold) throws Exception {
        int samples = quick ? 200 : 1_000;
        for (long id : warm) {
            http.get(product(base, id));
        }
        Histogram hits = HttpProbe.histogram();
        List<Double> hitSeries = new ArrayList<>();
        for (int i = 0; i < samples; i++) {
            HttpProbe.Answer answer = http.get(product(base, warm.get(i % warm.size()))).expect(200);
            hits.recordValue(answer.micros());
            hitSeries.add(answer.micros() / 1000.0);
        }
        Histogram misses = HttpProbe.histogram();
        for (int i = 0; i < samples / 4; i++) {
            misses.recordValue(http.get(product(base, cold.next())).expect(200).micros());
        }
        Histogram writes = HttpProbe.histogram();
        for (int i = 0; i < samples / 4; i++) {
            long id = warm.get(i % warm.size());
            writes.recordValue(http.put(product(base, id), input(id, "written " + i)).expect(200).micros());
        }
        for (long id : warm) {
            http.get(product(base, id)); // cached again after the writes
        }
        double queriesPer1000 = queries.perThousandRequests(quick ? 1_000 : 4_000,
                (random, i) -> http.get(product(base, warm.get(random.nextInt(warm.size())))).expect(200),
                (random, i) -> {
                    long id = warm.get(random.nextInt(warm.size()));
                    http.put(product(base, id), input(id, "mix " + i)).expect(200);
                }, Duration.ZERO);
        long coldId = cold.next();
        long stampedeLoads = queries.during(() -> http.getsAtOnce(product(base, coldId), 200)
                .forEach(answer -> answer.expect(200)));

        int trials = quick ? 6 : 30;
        Freshness freshness = Freshness.forRaces(quick);
        int oldReads = 0;
        for (int trial = 0; trial < trials; trial++) {
            oldReads += race(base, far, cold.next(), "race " + trial, freshness);
        }
        return new Figures(hits, misses, writes, queriesPer1000, stampedeLoads, freshness, oldReads, hitSeries);
    }

    /**
     * Eight readers of one product on the far instance, reading in a loop, and writes to it one after another on the
     * near one: each write empties the cache, and the readers' misses — slow loads, from farther away — race the
     * next write. After each write's answer the writer reads once (an old value counts: the returned count). After the
     * last write's answer, the far instance is read, the readers still at it, until it returns that write: an old
     * value set after the invalidation is never replaced before the TTL.
     */
    private int race(URI base, URI far, long id, String name, Freshness freshness) throws Exception {
        AtomicBoolean reading = new AtomicBoolean(true);
        try (Clients readers = Clients.start(8, (reader, random) -> {
            while (reading.get()) {
                http.get(product(far, id));
            }
        })) {
            String written = null;
            long answeredAt = 0;
            int oldReads = 0;
            for (int w = 0; w < WRITES_PER_TRIAL; w++) {
                written = name + " write " + w;
                http.put(product(base, id), input(id, written)).expect(200);
                answeredAt = System.nanoTime();
                // One read right after the answer, then the next write: writes back to back keep the readers'
                // misses racing them.
                if (!http.get(product(base, id)).expect(200).body().contains("\"" + written + "\"")) {
                    oldReads++;
                }
            }
            String last = "\"" + written + "\"";
            freshness.await(answeredAt, () -> http.get(product(far, id)).expect(200).body().contains(last));
            return oldReads;
        } finally {
            reading.set(false);
        }
    }

    static URI product(URI base, long id) {
        return base.resolve("/products/" + id);
    }

    /** A product's input as catalog-service takes it; the naive baseline reads name, description and price. */
    static String input(long id, String name) {
        return "{\"sku\":\"report-" + id + "\",\"name\":\"" + name + "\",\"description\":\"A product of the report\","
                + "\"price\":\"19.90\",\"currency\":\"EUR\",\"category\":\"report\"}";
    }

    static Report.Row row(Figures library, Figures naive) {
        Report.Row row = Measured.row("cache-aside", "catalog products", library, naive);
        row.each("staleness", library, naive, CacheAsideRow::staleness);
        row.both("lost", Report.Cell.na("the database is written first; the cache holds no write"));
        row.both("upstream", Report.Cell.na("products come from the service's own database"));
        return row;
    }

    private static Report.Cell staleness(Figures figures) {
        int writes = figures.freshness().writes() * WRITES_PER_TRIAL;
        return Report.Cell.of("another instance's readers racing: %s; old value read right after a write: %d of %d",
                figures.freshness().describe("until the TTL"), figures.staleFirstReads(), writes);
    }

    static void plots(Report report, Path out, Figures library, Figures naive)
            throws IOException {
        List<Double> requests = IntStream.range(0, library.hitLatencyMillisOverRequests().size())
                .mapToObj(i -> (double) i).toList();
        Charts.line(out.resolve("cache-aside-hits.png"), "Cache-aside hits, request by request", "request",
                "latency (ms)", List.of(new Charts.Series("catalog-service", requests,
                        library.hitLatencyMillisOverRequests()),
                        new Charts.Series("naive", requests.subList(0, naive.hitLatencyMillisOverRequests().size()),
                                naive.hitLatencyMillisOverRequests())));
        report.add(new Report.Plot("cache-aside-hits.png", "Cache-aside hits, request by request",
                "One client reading products it read before, one request at a time: the service's hit path (metrics,"
                        + " breaker, fence check) next to the naive GET-and-answer."));
        List<Double> percentiles = List.of(50.0, 75.0, 90.0, 95.0, 99.0, 99.9);
        Charts.line(out.resolve("cache-aside-latency.png"), "Cache-aside latency by percentile", "percentile",
                "latency (ms)", List.of(
                        new Charts.Series("hit, catalog-service", percentiles, at(library.hits(), percentiles)),
                        new Charts.Series("hit, naive", percentiles, at(naive.hits(), percentiles)),
                        new Charts.Series("miss, catalog-service", percentiles, at(library.misses(), percentiles)),
                        new Charts.Series("miss, naive", percentiles, at(naive.misses(), percentiles))));
        report.add(new Report.Plot("cache-aside-latency.png", "Cache-aside latency by percentile",
                "Hits and misses, the service next to the naive baseline."));
    }

    private static List<Double> at(Histogram micros, List<Double> percentiles) {
        return percentiles.stream().map(p -> micros.getValueAtPercentile(p) / 1000.0).toList();
    }
}
