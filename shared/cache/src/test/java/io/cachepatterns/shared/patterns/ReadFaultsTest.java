package io.cachepatterns.shared.patterns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.cachepatterns.shared.config.CacheConfig;
import io.cachepatterns.shared.core.JsonCodec;
import io.cachepatterns.shared.core.KeySpace;
import io.cachepatterns.shared.core.RedisStore;
import io.cachepatterns.shared.metrics.CacheMetrics;
import io.cachepatterns.shared.stampede.Lease;
import io.cachepatterns.testsupport.RealServersResource;
import io.cachepatterns.testsupport.Servers;
import io.cachepatterns.testsupport.TestServers;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.buffer.Buffer;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** The read patterns' guarantees when Redis fails or an invalidation meets a load, against a real Redis. */
@QuarkusTest
@WithTestResource(RealServersResource.class)
class ReadFaultsTest {

    @Inject
    RedisStore store;

    @Inject
    CacheMetrics metrics;

    @Inject
    CacheConfig config;

    @Inject
    ObjectMapper mapper;

    @Inject
    Caches caches;

    private CacheAside<String> cacheAside() {
        return new CacheAside<>("slow", new KeySpace("shared-test", "slow", 1), new JsonCodec<>(mapper, String.class),
                config.cache("slow").settings(), store, metrics);
    }

    @Test
    void withRedisDownConcurrentMissesStillShareOneLoad() {
        Servers servers = TestServers.get();
        Assumptions.assumeTrue(servers.canStopRedis(), "these servers are not ours to stop");
        CacheAside<String> cache = cacheAside();
        String id = UUID.randomUUID().toString();
        AtomicInteger loads = new AtomicInteger();
        Uni<String> slowLoad = Uni.createFrom().item(() -> "value-" + loads.incrementAndGet())
                .onItem().delayIt().by(Duration.ofMillis(300));

        servers.stopRedis();
        try {
            List<Uni<String>> reads = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                reads.add(cache.get(id, () -> slowLoad));
            }
            List<String> values = Uni.join().all(reads).andFailFast().await().atMost(Duration.ofSeconds(10));
            assertEquals(1, loads.get(), "100 concurrent misses with Redis down: one load");
            assertEquals(List.of("value-1"), values.stream().distinct().toList());
        } finally {
            servers.startRedis();
        }
    }

    @Test
    void aLeaseIsNotTakenForAValueThatArrivedSinceTheMiss() {
        Lease lease = new Lease(store);
        String data = "shared-test:lease:{" + UUID.randomUUID() + "}";
        String leaseKey = data + ":lease";
        store.set(data, Buffer.buffer("filled"), Duration.ofMinutes(1)).await().atMost(Duration.ofSeconds(5));

        Lease.Attempt attempt = lease.tryAcquireUnlessFilled(data, leaseKey, null, Duration.ofSeconds(5))
                .await().atMost(Duration.ofSeconds(5));
        assertEquals("filled", attempt.value().toString(), "the value that arrived is returned");
        assertEquals(null, attempt.token());
        assertEquals(null, store.get(leaseKey).await().atMost(Duration.ofSeconds(5)), "and no lease was taken");

        store.delete(List.of(data)).await().atMost(Duration.ofSeconds(5));
        Lease.Attempt next = lease.tryAcquireUnlessFilled(data, leaseKey, null, Duration.ofSeconds(5))
                .await().atMost(Duration.ofSeconds(5));
        assertThat(next.token()).as("a missing value: the lease").isNotNull();
    }

    @Test
    void aReadAfterAnInvalidationNeverJoinsALoadThatStartedBeforeIt() throws Exception {
        CacheAside<String> cache = cacheAside();
        String id = UUID.randomUUID().toString();
        CompletableFuture<String> slowOldRow = new CompletableFuture<>();

        var early = cache.get(id, () -> Uni.createFrom().completionStage(slowOldRow)).subscribeAsCompletionStage();
        Thread.sleep(100); // the early load has its lease and waits for the database
        cache.invalidate(id).await().atMost(Duration.ofSeconds(5)); // a write committed "new"

        var late = cache.get(id, () -> Uni.createFrom().item("new")).subscribeAsCompletionStage();
        slowOldRow.complete("old");
        assertEquals("old", early.get(5, TimeUnit.SECONDS), "the early reader keeps what it asked for");
        assertEquals("new", late.get(5, TimeUnit.SECONDS), "the read after the invalidation sees the change");
    }

    @Test
    void aNearCacheReadAfterAHeardInvalidationNeverKeepsTheOlderLoadInL1() throws Exception {
        NearCache<String> reader = caches.nearCache("flags-test", String.class);
        NearCache<String> writer = caches.nearCache("flags-test", String.class);
        try {
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (!(reader.subscribed() && writer.subscribed())) {
                assertThat(System.nanoTime()).as("subscribed").isLessThan(deadline);
                Thread.sleep(10);
            }
            String id = UUID.randomUUID().toString();
            AtomicReference<String> database = new AtomicReference<>("off");
            CompletableFuture<String> slowOldRow = new CompletableFuture<>();
            var early = reader.get(id, () -> Uni.createFrom().completionStage(slowOldRow))
                    .subscribeAsCompletionStage();
            Thread.sleep(100);

            database.set("on");
            writer.invalidate(id).await().atMost(Duration.ofSeconds(5)); // on the other instance
            Thread.sleep(200); // the message arrives at the reader

            var late = reader.get(id, () -> Uni.createFrom().item(database::get)).subscribeAsCompletionStage();
            slowOldRow.complete("off");
            assertEquals("off", early.get(5, TimeUnit.SECONDS));
            assertEquals("on", late.get(5, TimeUnit.SECONDS), "the read after the change sees it");
            assertEquals("on", reader.get(id, () -> Uni.createFrom().item(database::get))
                    .await().atMost(Duration.ofSeconds(5)), "and L1 keeps the new value, not the old");
        } finally {
            reader.close();
            writer.close();
        }
    }
}
