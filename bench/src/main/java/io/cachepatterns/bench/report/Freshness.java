package io.cachepatterns.bench.report;

import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.HdrHistogram.Histogram;

/**
 * The staleness column's measure: for each write, the time from its answer to the first read that returns it, read
 * every 5 ms for at most a window. A write not seen within the window counts as never seen: the old value stays
 * until something else replaces it (a TTL, the next write), so it is reported as such, not as the window's length.
 */
final class Freshness {

    private final Duration window;
    private final Histogram micros = HttpProbe.histogram();
    private int writes;
    private int neverSeen;

    Freshness(Duration window) {
        this.window = window;
    }

    /**
     * The window for a race's writes: far longer than a load or a write's round trips (tens of milliseconds), so a
     * write not seen by then was overwritten by an older value that stays. Shorter in a quick run.
     */
    static Freshness forRaces(boolean quick) {
        return new Freshness(Duration.ofSeconds(quick ? 1 : 2));
    }

    /**
     * Reads with {@code seen} until it returns true or the window, counted from {@code answeredAt}
     * ({@link System#nanoTime()} at the write's answer), has passed; whether the write was seen.
     */
    boolean await(long answeredAt, Callable<Boolean> seen) throws Exception {
        writes++;
        while (true) {
            boolean fresh = seen.call();
            long elapsed = System.nanoTime() - answeredAt;
            if (fresh) {
                micros.recordValue(Math.max(0, elapsed / 1_000));
                return true;
            }
            if (elapsed >= window.toNanos()) {
                neverSeen++;
                return false;
            }
            Thread.sleep(5);
        }
    }

    int writes() {
        return writes;
    }

    int neverSeen() {
        return neverSeen;
    }

    /**
     * "fresh after p99 … / max … ms (n writes)", from the writes' answers to the first reads that returned them. A
     * percentile that falls among the writes never seen is "never"; those are counted, with what keeps them stale
     * ({@code staleUntil}).
     */
    String describe(String staleUntil) {
        String p99 = percentile(99);
        String max = neverSeen > 0 ? "never" : millis(micros.getMaxValue());
        String text = String.format(Locale.ROOT, "fresh after p99 %s / max %s (%d writes)", p99, max,
                writes);
        String within = window.toMillis() % 1_000 == 0 ? window.toSeconds() + " s" : window.toMillis() + " ms";
        return neverSeen == 0 ? text : text + String.format(Locale.ROOT, "; %d of %d not within %s: stale %s",
                neverSeen, writes, within, staleUntil);
    }

    private String percentile(double percentile) {
        long seen = writes - neverSeen;
        if (seen == 0 || seen < Math.ceil(writes * percentile / 100.0)) {
            return "never";
        }
        // The percentile of all writes, the unseen ones being the slowest: the p-th of the seen ones, rescaled.
        double ofSeen = Math.min(100.0, percentile * writes / seen);
        return millis(micros.getValueAtPercentile(ofSeen));
    }

    private static String millis(long micros) {
        return String.format(Locale.ROOT, "%.0f ms", micros / 1000.0);
    }
}
