package io.cachepatterns.bench.report;

import java.net.URI;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
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
                   int staleSets, int trials, int staleFirstReads,
                   List<Double> hitLatencyMillisOverRequests) {
    }

    static final int WRITES_PER_TRIAL = 10;

    private final java.util.concurrent.atomic.AtomicInteger staleFirstReads =
            new java.util.concurrent.atomic.AtomicInteger();
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
            HttpProbe.Answer answer = expect(http.get(product(base, warm.get(i % warm.size()))), 200);
            hits.recordValue(answer.micros());
            hitSeries.add(answer.micros() / 1000.0);
        }
        Histogram misses = HttpProbe.histogram();
        for (int i = 0; i < samples / 4; i++) {
            misses.recordValue(expect(http.get(product(base, cold.next())), 200).micros());
        }
        Histogram writes = HttpProbe.histogram();
        for (int i = 0; i < samples / 4; i++) {
            long id = warm.get(i % warm.size());
            writes.recordValue(expect(http.put(product(base, id), input(id, "written " + i)), 200).micros());
        }
        for (long id : warm) {
            http.get(product(base, id)); // cached again after the writes
        }
        double queriesPer1000 = mixedQueriesPer1000(base, warm, quick ? 1_000 : 4_000);
        long stampedeLoads = stampede(base, cold.next(), 200);

        int trials = quick ? 10 : 30;
        int stale = 0;
        staleFirstReads.set(0);
        for (int trial = 0; trial < trials; trial++) {
            if (!race(base, far, cold.next(), "race " + trial)) {
                stale++;
            }
        }
        return new Figures(hits, misses, writes, queriesPer1000, stampedeLoads, stale, trials,
                staleFirstReads.get(), hitSeries);
    }

    /** Queries per 1 000 requests, 95 % reads and 5 % writes over the warm products, from 4 clients. */
    private double mixedQueriesPer1000(URI base, List<Long> warm, int requests) throws Exception {
        long before = queries.count();
        ExecutorService clients = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int c = 0; c < 4; c++) {
                Random random = new Random(c);
                done.add(clients.submit(() -> {
                    for (int i = 0; i < requests / 4; i++) {
                        long id = warm.get(random.nextInt(warm.size()));
                        if (random.nextInt(100) < 5) {
                            expect(http.put(product(base, id), input(id, "mix " + i)), 200);
                        } else {
                            expect(http.get(product(base, id)), 200);
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            clients.shutdown();
        }
        return (queries.count() - before) * 1000.0 / requests;
    }

    /** Database queries for {@code count} reads at once of one product nobody has read. */
    private long stampede(URI base, long id, int count) {
        long before = queries.count();
        for (HttpProbe.Answer answer : http.getsAtOnce(product(base, id), count)) {
            expect(answer, 200);
        }
        return queries.count() - before;
    }

    /**
     * Eight readers of one product on the far instance, reading in a loop, and writes to it one after another on the
     * near one: each write empties the cache, and the readers' misses — slow loads, from farther away — race the
     * next write. After each write's answer the writer reads once (an old value counts); an old value left in the
     * cache once the readers stop is a stale set (it stays until the TTL). Answers whether the product ended fresh.
     */
    private boolean race(URI base, URI far, long id, String name) throws Exception {
        ExecutorService readers = Executors.newFixedThreadPool(8);
        AtomicBoolean reading = new AtomicBoolean(true);
        try {
            for (int r = 0; r < 8; r++) {
                readers.submit(() -> {
                    while (reading.get()) {
                        http.get(product(far, id));
                    }
                });
            }
            String written = null;
            for (int w = 0; w < WRITES_PER_TRIAL; w++) {
                written = name + " write " + w;
                expect(http.put(product(base, id), input(id, written)), 200);
                // One read right after the answer, then the next write: writes back to back keep the readers'
                // misses racing them.
                if (!expect(http.get(product(base, id)), 200).body().contains("\"" + written + "\"")) {
                    staleFirstReads.incrementAndGet();
                }
            }
            reading.set(false);
            readers.shutdown();
            readers.awaitTermination(10, java.util.concurrent.TimeUnit.SECONDS);
            Thread.sleep(100);
            return expect(http.get(product(far, id)), 200).body().contains("\"" + written + "\"");
        } finally {
            reading.set(false);
            readers.shutdownNow();
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

    private static HttpProbe.Answer expect(HttpProbe.Answer answer, int status) {
        if (answer.status() != status) {
            throw new IllegalStateException("expected " + status + ", got " + answer.status() + ": " + answer.body());
        }
        return answer;
    }
}
