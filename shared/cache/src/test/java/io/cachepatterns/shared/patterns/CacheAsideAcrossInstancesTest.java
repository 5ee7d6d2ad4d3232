package io.cachepatterns.shared.patterns;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.cachepatterns.shared.config.CacheConfig;
import io.cachepatterns.shared.core.JsonCodec;
import io.cachepatterns.shared.core.KeySpace;
import io.cachepatterns.shared.core.RedisStore;
import io.cachepatterns.shared.metrics.CacheMetrics;
import io.cachepatterns.testsupport.RealServersResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Two cache-aside instances over one real Redis, as two replicas of a service would be: they share keys and leases
 * but nothing in memory.
 */
@QuarkusTest
@WithTestResource(RealServersResource.class)
class CacheAsideAcrossInstancesTest {

    @Inject
    RedisStore store;

    @Inject
    CacheMetrics metrics;

    @Inject
    CacheConfig config;

    @Inject
    com.fasterxml.jackson.databind.ObjectMapper mapper;

    private CacheAside<String> instance() {
        return new CacheAside<>("slow", new KeySpace("shared-test", "slow", 1), new JsonCodec<>(mapper, String.class),
                config.cache("slow").settings(), store, metrics);
    }

    @Test
    void concurrentMissesOnTwoInstancesLoadOnce() {
        CacheAside<String> first = instance();
        CacheAside<String> second = instance();
        String id = UUID.randomUUID().toString();
        AtomicInteger loads = new AtomicInteger();
        Uni<String> slowLoad = Uni.createFrom().item(() -> "value-" + loads.incrementAndGet())
                .onItem().delayIt().by(Duration.ofMillis(300));

        // Each instance's connections open first: on a cluster the first commands also wait for the slot map, and
        // a lease request that times out then reads as Redis failing (a degraded load, by design).
        first.get(UUID.randomUUID().toString(), () -> Uni.createFrom().item("warm")).await().indefinitely();
        second.get(UUID.randomUUID().toString(), () -> Uni.createFrom().item("warm")).await().indefinitely();

        List<Uni<String>> reads = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            reads.add(first.get(id, () -> slowLoad));
            reads.add(second.get(id, () -> slowLoad));
        }
        List<String> values = Uni.join().all(reads).andFailFast().await().atMost(Duration.ofSeconds(10));

        assertEquals(1, loads.get(), "one load for 100 concurrent misses across two instances");
        assertEquals(List.of("value-1"), values.stream().distinct().toList());
    }

    @Test
    void anInvalidationDuringALoadVoidsItsWriteBack() {
        CacheAside<String> reader = instance();
        CacheAside<String> writer = instance();
        String id = UUID.randomUUID().toString();
        double rejectedBefore = metrics.registry().get(CacheMetrics.STALE_SETS_REJECTED).tag("cache", "slow")
                .counter().count();

        // The reader loads "old" slowly; the writer commits "new" and invalidates while the load is under way.
        var slowRead = reader.get(id, () -> Uni.createFrom().item("old").onItem().delayIt().by(Duration.ofMillis(500)))
                .subscribeAsCompletionStage();
        Uni.createFrom().voidItem().onItem().delayIt().by(Duration.ofMillis(150)).await().indefinitely();
        writer.invalidate(id).await().indefinitely();

        assertEquals("old", slowRead.join());
        assertEquals(1, metrics.registry().get(CacheMetrics.STALE_SETS_REJECTED).tag("cache", "slow").counter().count()
                - rejectedBefore, 0.0);
        assertEquals("new", writer.get(id, () -> Uni.createFrom().item("new")).await().indefinitely(),
                "the old value was not cached: the next read loads the new one");
    }
}
