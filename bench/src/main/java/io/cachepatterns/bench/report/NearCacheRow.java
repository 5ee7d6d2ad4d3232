package io.cachepatterns.bench.report;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.HdrHistogram.Histogram;

/**
 * The near-cache row (catalog-service's feature flags: a copy in each process in front of Redis) measured for one
 * target — the service or the naive baseline — with two instances of it: reads answered from the process's copy
 * (hits) and of flags nobody has read (misses), writes, database queries at a read:write mix, loads for a cold
 * stampede, and how long the other instance answers a flag's old value after a write.
 */
final class NearCacheRow {

    /** What one target measured. */
    record Figures(Histogram hits, Histogram misses, Histogram writes, double queriesPer1000, long stampedeLoads,
                   Freshness otherInstance) implements Measured {
    }

    /** How long the row waits for the other instance to answer a write's value. */
    static final int FRESHNESS_LIMIT_SECONDS = 8;

    private final HttpProbe http;
    private final QueryCounter queries;
    private final boolean quick;

    NearCacheRow(HttpProbe http, QueryCounter queries, boolean quick) {
        this.http = http;
        this.queries = queries;
        this.quick = quick;
    }

    /** {@code base} and {@code other} are two instances of one target; flags named {@code prefix-…} are its own. */
    Figures measure(URI base, URI other, String prefix) throws Exception {
        int samples = quick ? 200 : 1_000;
        List<String> warm = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            warm.add(prefix + "-warm-" + i);
            http.put(flag(base, warm.get(i)), change("created")).expect(200);
        }
        List<String> cold = new ArrayList<>();
        for (int i = 0; i <= samples / 4; i++) {
            cold.add(prefix + "-cold-" + i);
            http.put(flag(base, cold.get(i)), change("created")).expect(200);
        }
        for (String name : warm) {
            http.get(flag(base, name)).expect(200);
        }
        Histogram hits = HttpProbe.histogram();
        for (int i = 0; i < samples; i++) {
            hits.recordValue(http.get(flag(base, warm.get(i % warm.size()))).expect(200).micros());
        }
        Histogram misses = HttpProbe.histogram();
        for (int i = 0; i < samples / 4; i++) {
            misses.recordValue(http.get(flag(base, cold.get(i))).expect(200).micros());
        }
        Histogram writes = HttpProbe.histogram();
        for (int i = 0; i < samples / 4; i++) {
            writes.recordValue(http.put(flag(base, warm.get(i % warm.size())), change("written " + i)).expect(200)
                    .micros());
        }
        double queriesPer1000 = queries.perThousandRequests(quick ? 1_000 : 4_000,
                (random, i) -> http.get(flag(base, warm.get(random.nextInt(warm.size())))).expect(200),
                (random, i) -> http.put(flag(base, warm.get(random.nextInt(warm.size()))), change("mix " + i))
                        .expect(200), Duration.ZERO);
        long stampedeLoads = queries.during(() -> http.getsAtOnce(flag(base, cold.get(cold.size() - 1)), 200)
                .forEach(answer -> answer.expect(200)));

        Freshness otherInstance = new Freshness(java.time.Duration.ofSeconds(FRESHNESS_LIMIT_SECONDS));
        int trials = quick ? 2 : 10;
        for (int trial = 0; trial < trials; trial++) {
            String name = warm.get(trial % warm.size());
            http.get(flag(other, name)).expect(200); // the other instance holds a copy
            String marker = "\"trial " + trial + "\"";
            http.put(flag(base, name), change("trial " + trial)).expect(200);
            otherInstance.await(System.nanoTime(), () -> http.get(flag(other, name)).expect(200).body()
                    .contains(marker));
        }
        return new Figures(hits, misses, writes, queriesPer1000, stampedeLoads, otherInstance);
    }

    private static URI flag(URI base, String name) {
        return base.resolve("/flags/" + name);
    }

    private static String change(String description) {
        return "{\"enabled\":true,\"description\":\"" + description + "\"}";
    }

    static Report.Row row(Figures library, Figures naive) {
        Report.Row row = Measured.row("near cache", "feature flags (catalog-service)", library, naive);
        row.each("staleness", library, naive, NearCacheRow::otherInstance);
        row.both("lost", Report.Cell.na("the database is written first; the caches hold no write"));
        row.both("upstream", Report.Cell.na("flags come from the service's own database"));
        return row;
    }

    private static Report.Cell otherInstance(Figures figures) {
        return Report.Cell.of("the other instance, after a write: %s",
                figures.otherInstance().describe("until its next reload"));
    }
}
