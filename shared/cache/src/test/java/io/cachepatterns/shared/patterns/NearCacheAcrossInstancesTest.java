package io.cachepatterns.shared.patterns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.cachepatterns.shared.core.KeySpace;
import io.cachepatterns.shared.core.RedisStore;
import io.cachepatterns.testsupport.RealServersResource;
import io.cachepatterns.testsupport.RedisCli;
import io.cachepatterns.testsupport.TestServers;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Redis;
import io.vertx.mutiny.redis.client.Request;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two near caches over one real Redis, as two service instances would have: each with its own L1 and its own
 * subscription. The "database" is a variable the loader reads.
 */
@QuarkusTest
@WithTestResource(RealServersResource.class)
class NearCacheAcrossInstancesTest {

    private static final String CACHE = "flags-test"; // L1 TTL 500 ms in the test configuration

    @Inject
    Caches caches;

    @Inject
    RedisStore store;

    @Inject
    Redis redis;

    private NearCache<String> first;
    private NearCache<String> second;
    private final AtomicReference<String> database = new AtomicReference<>("off");
    private String id;

    @BeforeEach
    void twoInstances() {
        first = caches.nearCache(CACHE, String.class);
        second = caches.nearCache(CACHE, String.class);
        id = UUID.randomUUID().toString();
        awaitTrue(() -> first.subscribed() && second.subscribed(), Duration.ofSeconds(10), "both subscribed");
    }

    @AfterEach
    void close() {
        first.close();
        second.close();
    }

    private Uni<String> load() {
        return Uni.createFrom().item(database::get);
    }

    private String read(NearCache<String> cache) {
        return cache.get(id, this::load).await().atMost(Duration.ofSeconds(5));
    }

    @Test
    void aFlipIsSeenByTheOtherInstanceAtOnce() {
        assertEquals("off", read(first));
        assertEquals("off", read(second)); // warm in both L1s

        database.set("on");
        long start = System.nanoTime();
        first.invalidate(id).await().indefinitely();
        while (!"on".equals(read(second))) {
            assertThat(System.nanoTime() - start).as("propagation").isLessThan(Duration.ofSeconds(1).toNanos());
        }
        long micros = (System.nanoTime() - start) / 1000;
        System.out.printf("near cache: flip seen by the other instance after %d µs%n", micros);
        assertThat(micros).as("propagation in µs").isLessThan(200_000);
        assertEquals("on", read(first));
    }

    @Test
    void aLostInvalidationIsStaleForAtMostTheL1Ttl() {
        assertEquals("off", read(second));

        // The database changes and Redis loses the value, but no message is published: as if it were lost.
        database.set("on");
        store.delete(List.of(new KeySpace("shared-test", CACHE, 1).dataKey(id))).await().indefinitely();
        long start = System.nanoTime();
        assertEquals("off", read(second), "stale from L1 for now");
        while (!"on".equals(read(second))) {
            assertThat(System.nanoTime() - start).isLessThan(Duration.ofSeconds(3).toNanos());
        }
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertThat(millis).as("stale for at most the 500 ms L1 TTL (plus slack)").isLessThan(800);
    }

    @Test
    void aWarmL1ReadCostsNoRedisCommand() {
        read(first);
        read(first);
        long before = getCalls();
        for (int i = 0; i < 100; i++) {
            assertEquals("off", read(first));
        }
        assertEquals(0, getCalls() - before, "100 warm reads, no GET reached Redis");
    }

    @Test
    void aDroppedSubscriptionClearsAndBypassesL1UntilItIsBack() {
        assertEquals("off", read(second));
        database.set("on");
        // A change whose message nobody will get: the subscription is about to drop.
        store.delete(List.of(new KeySpace("shared-test", CACHE, 1).dataKey(id))).await().indefinitely();

        redis.send(Request.cmd(Command.CLIENT).arg("KILL").arg("TYPE").arg("pubsub")).await().indefinitely();
        awaitTrue(() -> !second.subscribed() || "on".equals(read(second)), Duration.ofSeconds(5), "drop noticed");
        assertEquals("on", read(second), "L1 was cleared: the change is seen without waiting for the L1 TTL");
        awaitTrue(second::subscribed, Duration.ofSeconds(10), "resubscribed");
    }

    /** GETs Redis has served: on a cluster, every primary's. */
    private long getCalls() {
        long[] sum = {0};
        try (RedisCli cli = RedisCli.connect(TestServers.get().redisUrl())) {
            cli.forEachPrimary(node -> {
                Matcher calls = Pattern.compile("cmdstat_get:calls=(\\d+)")
                        .matcher(String.valueOf(node.call("INFO", "commandstats")));
                sum[0] += calls.find() ? Long.parseLong(calls.group(1)) : 0;
            });
        }
        return sum[0];
    }

    private static void awaitTrue(BooleanSupplier condition, Duration limit, String what) {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, what);
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
