package io.cachepatterns.shared.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.cachepatterns.shared.patterns.Caches;
import io.cachepatterns.shared.patterns.NearCache;
import io.cachepatterns.testsupport.FaultProxy;
import io.cachepatterns.testsupport.ProxiedRedisResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.mutiny.core.buffer.Buffer;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * Connections that go bad, through a {@link FaultProxy} in front of a real Redis: a half-open connection, a
 * subscription that dies without a word, and more event loops than the pool has connections.
 */
@QuarkusTest
@TestProfile(RedisConnectionFaultsTest.ThroughProxy.class)
// One proxy in front of one server: a cluster's connections go to six, a Sentinel client's to the sentinels first.
@org.junit.jupiter.api.condition.DisabledIfEnvironmentVariable(named = "TEST_REDIS_MODE", matches = "cluster|sentinel")
class RedisConnectionFaultsTest {

    /** Sixteen event loops over the Vert.x client's default pool of six. */
    public static class ThroughProxy implements QuarkusTestProfile {

        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.vertx.event-loops-pool-size", "16", "quarkus.redis.max-pool-size", "6");
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(ProxiedRedisResource.class));
        }
    }

    @Inject
    RedisStore store;

    private static FaultProxy toRedis() {
        return ProxiedRedisResource.redis();
    }

    /** A black hole outlives its test otherwise: the pool could hand a test a connection that the last one muted. */
    @org.junit.jupiter.api.AfterEach
    void dropMutedConnections() throws InterruptedException {
        toRedis().cut();
        // The pool learns of the cut when it next uses a connection: let it, before the next test starts.
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            try {
                store.ping().await().atMost(Duration.ofSeconds(1));
                return;
            } catch (RuntimeException stillClosed) {
                Thread.sleep(50);
            }
        }
    }

    @Inject
    Caches caches;

    @Inject
    Vertx vertx;

    @Inject
    io.cachepatterns.shared.metrics.CacheMetrics metrics;

    private double losses() {
        return metrics.registry().find(io.cachepatterns.shared.metrics.CacheMetrics.SUBSCRIPTION_LOSSES)
                .tag("cache", "flags-test").counters().stream().mapToDouble(c -> c.count()).sum();
    }

    /** A context on the next event loop, round robin (a test thread's getOrCreateContext keeps returning one). */
    private Context newEventLoopContext() {
        return ((io.vertx.core.impl.VertxInternal) vertx).createEventLoopContext();
    }

    private String getOn(Context context, String key) {
        Uni<String> value = Uni.createFrom().emitter(emitter -> context.runOnContext(ignored ->
                store.get(key).map(String::valueOf).subscribe().with(emitter::complete, emitter::fail)));
        return value.await().atMost(Duration.ofSeconds(5));
    }

    private static long awaitTrue(BooleanSupplier condition, Duration within, String what) throws InterruptedException {
        long start = System.nanoTime();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime() - start).as(what).isLessThan(within.toNanos());
            Thread.sleep(20);
        }
        return (System.nanoTime() - start) / 1_000_000;
    }

    @Test
    void aHalfOpenConnectionIsReplacedWithinSeconds() throws Exception {
        String key = "shared-test:faults:" + UUID.randomUUID();
        store.set(key, Buffer.buffer("v"), Duration.ofMinutes(1))
                .onFailure().retry().withBackOff(Duration.ofMillis(50)).atMost(20) // a pooled connection the last cut
                .await().atMost(Duration.ofSeconds(10));                         // closed may come first
        Context eventLoop = newEventLoopContext();
        assertEquals("v", getOn(eventLoop, key));

        toRedis().blackHoleExisting(); // the loop's connection goes silent; TCP will not tell for many minutes
        long millis = awaitTrue(() -> {
            try {
                return "v".equals(getOn(eventLoop, key));
            } catch (RuntimeException stillBroken) {
                return false;
            }
        }, Duration.ofSeconds(10), "the event loop is served again");
        System.out.printf("redis: a half-open connection was replaced after %d ms%n", millis);
    }

    /**
     * Found by the fault suite: after connections went half-open and were then cut, an instance stayed off Redis for
     * 13 minutes: an event loop had taken a connection the pool still held although it was closed, and kept it,
     * every command failing at once with "Connection is closed" and the breaker never closing again.
     */
    @Test
    void aLoopThatGetsAClosedConnectionFromThePoolReplacesIt() throws Exception {
        String key = "shared-test:faults:" + UUID.randomUUID();
        store.set(key, Buffer.buffer("v"), Duration.ofMinutes(1))
                .onFailure().retry().withBackOff(Duration.ofMillis(50)).atMost(20).await().atMost(Duration.ofSeconds(10));
        for (int round = 0; round < 5; round++) {
            // The pool fills with idle connections (commands from a thread that is not an event loop use it)...
            List<Uni<Buffer>> burst = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                burst.add(store.get(key));
            }
            Uni.join().all(burst).andCollectFailures().onFailure().recoverWithNull().await()
                    .atMost(Duration.ofSeconds(5));
            toRedis().cut(); // ...which are closed while they sit there
            Context fresh = newEventLoopContext(); // a loop without a connection yet takes one from the pool
            awaitTrue(() -> {
                try {
                    return "v".equals(getOn(fresh, key));
                } catch (RuntimeException stillBroken) {
                    return false;
                }
            }, Duration.ofSeconds(10), "a loop is served again after round " + round);
        }
    }

    @Test
    void aSubscriptionThatDiesSilentlyIsNoticedAndRenewed() throws Exception {
        NearCache<String> reader = caches.nearCache("flags-test", String.class);
        NearCache<String> writer = caches.nearCache("flags-test", String.class);
        try {
            awaitTrue(() -> reader.subscribed() && writer.subscribed(), Duration.ofSeconds(10), "subscribed");
            double quietBefore = losses();
            Thread.sleep(3_500); // longer than the read-idle timeout: the keep-alive holds healthy ones open
            assertEquals(quietBefore, losses(), "a healthy, quiet subscription stays up");

            double lossesBefore = losses();
            toRedis().blackHoleExisting();
            // The reconnection through the proxy is quick: watch the losses, not the moment it is down.
            long noticed = awaitTrue(() -> losses() >= lossesBefore + 2, Duration.ofSeconds(10),
                    "both losses are noticed, and each cleared its L1");
            awaitTrue(() -> reader.subscribed() && writer.subscribed(), Duration.ofSeconds(10), "subscribed again");
            System.out.printf("redis: a silently dead subscription was noticed after %d ms%n", noticed);

            String id = UUID.randomUUID().toString();
            AtomicReference<String> database = new AtomicReference<>("off");
            assertEquals("off", reader.get(id, () -> Uni.createFrom().item(database::get))
                    .await().atMost(Duration.ofSeconds(5)));
            database.set("on");
            writer.invalidate(id).await().atMost(Duration.ofSeconds(5));
            awaitTrue(() -> "on".equals(reader.get(id, () -> Uni.createFrom().item(database::get))
                    .await().atMost(Duration.ofSeconds(5))), Duration.ofSeconds(2), "invalidations arrive again");
        } finally {
            reader.close();
            writer.close();
        }
    }

    @Test
    void moreEventLoopsThanPooledConnectionsAreAllServedAndSubscriptionsStillConnect() throws Exception {
        String key = "shared-test:faults:" + UUID.randomUUID();
        store.set(key, Buffer.buffer("v"), Duration.ofMinutes(1))
                .onFailure().retry().withBackOff(Duration.ofMillis(50)).atMost(20) // a pooled connection the last cut
                .await().atMost(Duration.ofSeconds(10));                         // closed may come first
        List<Context> loops = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            loops.add(newEventLoopContext()); // each on the next event loop
        }
        for (Context loop : loops) {
            assertEquals("v", getOn(loop, key));
        }
        assertThat(store.loopConnections()).as("event loops holding a connection of their own").isLessThanOrEqualTo(3);
        NearCache<String> late = caches.nearCache("flags-test", String.class);
        try {
            awaitTrue(late::subscribed, Duration.ofSeconds(10), "a subscription still gets a connection");
        } finally {
            late.close();
        }
    }
}
