package io.cachepatterns.shared.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class CacheSettingsTest {

    private static CacheSettings withJitter(double jitter) {
        return new CacheSettings(true, Duration.ofSeconds(100), jitter, Duration.ZERO, Duration.ofSeconds(5),
                Duration.ofMillis(500));
    }

    @Test
    void jitterOnlyEverLengthensTheTtlAndByAtMostItsShare() {
        CacheSettings settings = withJitter(0.1);
        long[] ttls = IntStream.range(0, 10_000).mapToLong(i -> settings.ttlWithJitter().toMillis()).toArray();
        assertTrue(java.util.Arrays.stream(ttls).allMatch(t -> t >= 100_000 && t < 110_000));
        long distinct = java.util.Arrays.stream(ttls).distinct().count();
        assertTrue(distinct > 1000, "spread out, not a handful of values: " + distinct);
    }

    @Test
    void noJitterIsTheExactTtl() {
        assertEquals(Duration.ofSeconds(100), withJitter(0).ttlWithJitter());
    }

    @Test
    void nonsenseIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> withJitter(1.5));
        assertThrows(IllegalArgumentException.class, () -> new CacheSettings(true, Duration.ZERO, 0, Duration.ZERO,
                Duration.ofSeconds(1), Duration.ZERO));
    }
}
