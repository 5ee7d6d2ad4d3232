package io.cachepatterns.bench.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The staleness cell: a write never seen is the slowest of all, never the window's length. */
class FreshnessTest {

    private static final long TEN_MS = Duration.ofMillis(10).toNanos();

    @Test
    void everyWriteSeenGivesItsPercentileAndMax() throws Exception {
        Freshness freshness = new Freshness(Duration.ofMillis(50));
        for (int i = 0; i < 100; i++) {
            assertThat(freshness.await(System.nanoTime() - TEN_MS, () -> true)).isTrue();
        }
        assertThat(freshness.describe("until the TTL")).matches("fresh after p99 1\\d ms / max 1\\d ms \\(100"
                + " writes\\)");
    }

    @Test
    void writesNeverSeenAreTheSlowestAndAreCounted() throws Exception {
        Freshness freshness = new Freshness(Duration.ofMillis(50));
        for (int i = 0; i < 99; i++) {
            freshness.await(System.nanoTime() - TEN_MS, () -> true);
        }
        assertThat(freshness.await(System.nanoTime(), () -> false)).isFalse();
        assertThat(freshness.describe("until the TTL")).matches("fresh after p99 1\\d ms / max never \\(100 writes\\);"
                + " 1 of 100 not within 50 ms: stale until the TTL");
        freshness.await(System.nanoTime(), () -> false);
        assertThat(freshness.describe("until the TTL")).startsWith("fresh after p99 never / max never (101 writes)");
    }
}
