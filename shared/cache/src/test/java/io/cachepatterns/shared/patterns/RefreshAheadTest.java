package io.cachepatterns.shared.patterns;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachepatterns.shared.metrics.CacheMetrics;
import io.cachepatterns.shared.patterns.CacheRead.Source;
import io.cachepatterns.testsupport.RealServersResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Refresh-ahead over a real Redis, with loaders that take as long as a slow upstream. Two instances built from one
 * configuration stand for two replicas of a service: they share Redis and nothing in memory.
 */
@QuarkusTest
@WithTestResource(RealServersResource.class)
class RefreshAheadTest {

    private static final Duration LOAD_TIME = Duration.ofMillis(500);

    @Inject
    Caches caches;

    @Inject
    CacheMetrics metrics;

    private final List<RefreshAhead<String>> started = new ArrayList<>();

    @AfterEach
    void stopSchedules() {
        started.forEach(RefreshAhead::stop);
    }

    /** A slow loader that counts its loads and how many ran at once. */
    static final class SlowSource implements Function<String, Uni<String>> {
        final AtomicInteger loads = new AtomicInteger();
        final AtomicInteger running = new AtomicInteger();
        final AtomicInteger mostAtOnce = new AtomicInteger();
        final AtomicBoolean failing = new AtomicBoolean();
        final Duration loadTime;

        SlowSource(Duration loadTime) {
            this.loadTime = loadTime;
        }

        @Override
        public Uni<String> apply(String id) {
            return Uni.createFrom().deferred(() -> {
                int now = running.incrementAndGet();
                mostAtOnce.accumulateAndGet(now, Math::max);
                int load = loads.incrementAndGet();
                boolean fail = failing.get();
                return Uni.createFrom().item("value-" + load).onItem().delayIt().by(loadTime)
                        .onItem().invoke(() -> {
                            if (fail) {
                                throw new IllegalStateException("upstream down");
                            }
                        })
                        .onTermination().invoke(running::decrementAndGet);
            });
        }
    }

    private RefreshAhead<String> instance(String cache, SlowSource source) {
        return caches.refreshAhead(cache, String.class, source);
    }

    private RefreshAhead<String> hotInstance(String cache, SlowSource source, String id) {
        RefreshAhead<String> instance = instance(cache, source);
        instance.keepHot(id);
        started.add(instance);
        return instance;
    }

    @Test
    void continuousReadsAcrossFiveTtlsNeverWaitForAReload() throws Exception {
        // TTL 2 s, refresh at half of it; two instances keep the key hot and serve reads.
        SlowSource source = new SlowSource(LOAD_TIME);
        String id = UUID.randomUUID().toString();
        RefreshAhead<String> first = hotInstance("feed-test", source, id);
        RefreshAhead<String> second = hotInstance("feed-test", source, id);
        first.get(id).await().atMost(Duration.ofSeconds(5)); // the first load is the only one anybody waits for
        int loadsBefore = source.loads.get();

        Duration run = Duration.ofSeconds(10); // five TTLs
        AtomicLong slowestNanos = new AtomicLong();
        AtomicInteger reads = new AtomicInteger();
        List<Source> sources = java.util.Collections.synchronizedList(new ArrayList<>());
        long end = System.nanoTime() + run.toNanos();
        List<Thread> readers = new ArrayList<>();
        for (int r = 0; r < 4; r++) {
            RefreshAhead<String> cache = r % 2 == 0 ? first : second;
            Thread reader = new Thread(() -> {
                while (System.nanoTime() < end) {
                    long start = System.nanoTime();
                    CacheRead<String> read = cache.read(id).await().atMost(Duration.ofSeconds(5));
                    slowestNanos.accumulateAndGet(System.nanoTime() - start, Math::max);
                    sources.add(read.source());
                    reads.incrementAndGet();
                    sleepMillis(5);
                }
            });
            reader.start();
            readers.add(reader);
        }
        for (Thread reader : readers) {
            reader.join();
        }
        int reloads = source.loads.get() - loadsBefore;

        assertThat(Duration.ofNanos(slowestNanos.get()))
                .as("slowest of %d reads, with loads taking %s", reads.get(), LOAD_TIME)
                .isLessThan(LOAD_TIME.dividedBy(2));
        assertThat(sources).as("every read served from the cache, none stale").containsOnly(Source.HIT);
        // A reload starts once an entry is 1 s old (half the TTL) and takes 0.5 s: one every 1.5–1.75 s.
        assertThat(reloads).as("reloads in 10 s").isBetween(4, 8);
        assertThat(source.mostAtOnce.get()).as("reloads of one key at once, across both instances").isEqualTo(1);
    }

    @Test
    void aHotKeyWithoutReadsIsStillFreshAfterSeveralTtls() {
        SlowSource source = new SlowSource(Duration.ofMillis(50));
        String id = UUID.randomUUID().toString();
        RefreshAhead<String> cache = hotInstance("hot-test", source, id);

        sleepMillis(4_000); // four TTLs of 1 s, no reads at all

        CacheRead<String> read = cache.read(id).await().atMost(Duration.ofSeconds(5));
        assertThat(read.source()).isEqualTo(Source.HIT);
        assertThat(source.loads.get()).as("scheduled reloads in 4 s, one every ~0.5 s").isBetween(5, 10);
        assertThat(read.value()).as("the value of one of the last two loads")
                .isIn("value-" + source.loads.get(), "value-" + (source.loads.get() - 1));
    }

    @Test
    void twoHundredConcurrentFirstReadsLoadOnce() {
        SlowSource source = new SlowSource(Duration.ofMillis(300));
        String id = UUID.randomUUID().toString();
        RefreshAhead<String> first = instance("feed-test", source);
        RefreshAhead<String> second = instance("feed-test", source);

        List<Uni<String>> reads = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            reads.add(first.get(id));
            reads.add(second.get(id));
        }
        List<String> values = Uni.join().all(reads).andFailFast().await().atMost(Duration.ofSeconds(10));

        assertThat(source.loads.get()).isEqualTo(1);
        assertThat(values).containsOnly("value-1");
    }

    @Test
    void anInvalidationDuringAReloadIsNotOverwrittenByIt() {
        // refresh-factor 0.01 of a 10 s TTL: any read after 100 ms starts a reload.
        SlowSource source = new SlowSource(LOAD_TIME);
        String id = UUID.randomUUID().toString();
        RefreshAhead<String> cache = instance("race-test", source);
        assertThat(cache.get(id).await().atMost(Duration.ofSeconds(5))).isEqualTo("value-1");
        sleepMillis(150);
        assertThat(cache.read(id).await().indefinitely().source()).isEqualTo(Source.HIT); // starts reload 2

        sleepMillis(150);
        cache.invalidate(id).await().indefinitely(); // the source changed while reload 2 was reading it
        sleepMillis(LOAD_TIME.toMillis()); // reload 2 finishes, and must not write back

        CacheRead<String> after = cache.read(id).await().atMost(Duration.ofSeconds(5));
        assertThat(after.source()).as("nothing cached after the invalidation").isEqualTo(Source.MISS);
        assertThat(after.value()).isEqualTo("value-3");
        assertThat(source.loads.get()).isEqualTo(3);
    }

    @Test
    void aFailingReloadKeepsTheValueServedStaleAndIsRetried() {
        // TTL 600 ms, refresh at 300 ms, stale for up to 10 s, retries 200 ms apart.
        SlowSource source = new SlowSource(Duration.ofMillis(20));
        String id = UUID.randomUUID().toString();
        RefreshAhead<String> cache = hotInstance("failing-test", source, id);
        assertThat(cache.get(id).await().atMost(Duration.ofSeconds(5))).isEqualTo("value-1");
        double failuresBefore = failures("failing-test");

        source.failing.set(true);
        sleepMillis(1_500);
        CacheRead<String> stale = cache.read(id).await().atMost(Duration.ofSeconds(5));
        assertThat(stale.source()).isEqualTo(Source.STALE);
        assertThat(stale.value()).isEqualTo("value-1");
        assertThat(failures("failing-test") - failuresBefore).as("reloads retried while failing")
                .isBetween(3.0, 9.0);

        source.failing.set(false);
        sleepMillis(800);
        CacheRead<String> recovered = cache.read(id).await().atMost(Duration.ofSeconds(5));
        assertThat(recovered.source()).isEqualTo(Source.HIT);
        assertThat(recovered.value()).isNotEqualTo("value-1");
    }

    @Test
    void xfetchReloadsSomeReadsEarly() {
        // refresh-factor 1 (never by age), β = 20 × a 100 ms load: early reloads start well before the 3 s TTL ends.
        SlowSource source = new SlowSource(Duration.ofMillis(100));
        String id = UUID.randomUUID().toString();
        RefreshAhead<String> cache = instance("early-test", source);
        cache.get(id).await().atMost(Duration.ofSeconds(5));
        double earlyBefore = metrics.registry().get(CacheMetrics.REFRESHES).tag("cache", "early-test")
                .tag("trigger", "early").counter().count();

        List<Source> sources = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            sources.add(cache.read(id).await().indefinitely().source());
            sleepMillis(10);
        }

        assertThat(metrics.registry().get(CacheMetrics.REFRESHES).tag("cache", "early-test").tag("trigger", "early")
                .counter().count() - earlyBefore).isGreaterThanOrEqualTo(1);
        assertThat(sources).containsOnly(Source.HIT);
    }

    private double failures(String cache) {
        return metrics.registry().get(CacheMetrics.REFRESH_FAILURES).tag("cache", cache).counter().count();
    }

    static void sleepMillis(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
