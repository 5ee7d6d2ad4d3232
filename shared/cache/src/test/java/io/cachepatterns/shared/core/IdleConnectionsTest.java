package io.cachepatterns.shared.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachepatterns.shared.metrics.CacheMetrics;
import io.cachepatterns.testsupport.RealServersResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.mutiny.core.buffer.Buffer;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * Connections left idle longer than the client's read-idle timeout (3 s), in every mode ({@code TEST_REDIS_MODE}):
 * the keep-alive must keep every connection a command may be sent on reading, so that the timeout closes only dead
 * ones. On a cluster a connection is one per node: the keep-alive has to reach each of them, or an idle one is closed
 * under a command that was just sent on it ("connection closed", the fence raised, reads degraded).
 */
@QuarkusTest
@WithTestResource(RealServersResource.class)
class IdleConnectionsTest {

    private static final Duration IDLE = Duration.ofMillis(3_600);

    @Inject
    RedisStore store;

    @Inject
    CacheMetrics metrics;

    @Inject
    Vertx vertx;

    /** Keys enough that, on a cluster, each primary holds several. */
    private List<String> keysOnEveryNode() {
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            String key = "shared-test:idle:" + UUID.randomUUID();
            // The first commands after start-up open connections, and may outlast the store's timeout on a busy host.
            store.set(key, Buffer.buffer("v"), Duration.ofMinutes(1)).onFailure().retry()
                    .withBackOff(Duration.ofMillis(50)).atMost(20).await().atMost(Duration.ofSeconds(10));
            keys.add(key);
        }
        return keys;
    }

    /** Every key read, a message published and a PING sent, at once; answers how many failed. */
    private Uni<Integer> useEveryConnection(List<String> keys) {
        List<Uni<String>> calls = new ArrayList<>();
        for (String key : keys) {
            calls.add(store.get(key).map(String::valueOf));
        }
        calls.add(store.publish("shared-test:idle", "m").map(String::valueOf));
        calls.add(store.ping().map(ignored -> "PONG"));
        AtomicInteger failed = new AtomicInteger();
        List<Uni<String>> counted = calls.stream().map(call -> call.onFailure().recoverWithItem(failure -> {
            failed.incrementAndGet();
            System.out.println("idle-connections: a call failed: " + failure);
            return "failed";
        })).toList();
        return Uni.join().all(counted).andFailFast().map(ignored -> failed.get());
    }

    private int onLoop(Context loop, Supplier<Uni<Integer>> work) {
        Uni<Integer> result = Uni.createFrom().emitter(emitter -> loop.runOnContext(ignored ->
                work.get().subscribe().with(emitter::complete, emitter::fail)));
        return result.await().atMost(Duration.ofSeconds(10));
    }

    private double loopConnects() {
        return metrics.registry().counter(CacheMetrics.REDIS_LOOP_CONNECTS).count();
    }

    private double redisErrors() {
        return metrics.registry().counter(CacheMetrics.REDIS_ERRORS).count();
    }

    @Test
    void anEventLoopConnectionLeftIdleServesEveryNodeWithoutAFailure() throws InterruptedException {
        List<String> keys = keysOnEveryNode();
        Context loop = ((io.vertx.core.impl.VertxInternal) vertx).createEventLoopContext();
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (onLoop(loop, () -> useEveryConnection(keys)) > 0) { // the loop's connection opens meanwhile
            assertThat(System.nanoTime()).as("the loop is served").isLessThan(deadline);
        }
        Thread.sleep(IDLE.toMillis()); // on a cluster, the sockets to replicas (which nothing uses) close once
        assertThat(onLoop(loop, () -> useEveryConnection(keys))).isZero();
        double errorsBefore = redisErrors();
        double connectsBefore = loopConnects();
        for (int round = 0; round < 3; round++) {
            Thread.sleep(IDLE.toMillis());
            assertThat(onLoop(loop, () -> useEveryConnection(keys))).as("calls failed after %s idle, round %d",
                    IDLE, round).isZero();
        }
        assertThat(redisErrors()).as("Redis errors counted while idle").isEqualTo(errorsBefore);
        // A healthy connection replaced costs a reconnect to every node, and may fail the command in flight.
        assertThat(loopConnects()).as("event loop connections opened meanwhile").isEqualTo(connectsBefore);
    }

    @Test
    void pooledConnectionsLeftIdleServeEveryNodeWithoutAFailure() throws InterruptedException {
        List<String> keys = keysOnEveryNode();
        double errorsBefore = redisErrors();
        // Idle times around the read-idle timeout: a pooled socket closed by it just as it is handed out is the race.
        for (long idle = 2_900; idle <= 3_100; idle += 25) {
            Thread.sleep(idle);
            // From a thread that is no event loop: the client's pool serves it.
            assertThat(useEveryConnection(keys).await().atMost(Duration.ofSeconds(10)))
                    .as("calls failed after %d ms idle", idle).isZero();
        }
        assertThat(redisErrors()).as("Redis errors counted while idle").isEqualTo(errorsBefore);
    }

    @Test
    void aQuietSubscriptionStaysUp() throws InterruptedException {
        AtomicInteger downs = new AtomicInteger();
        AtomicInteger ups = new AtomicInteger();
        List<String> received = new java.util.concurrent.CopyOnWriteArrayList<>();
        String channel = "shared-test:idle:" + UUID.randomUUID();
        RedisStore.PubSubSubscription subscription = store.subscribe(channel, received::add, downs::incrementAndGet,
                ups::incrementAndGet);
        try {
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (!subscription.isUp() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(subscription.isUp()).as("subscribed").isTrue();
            Thread.sleep(IDLE.multipliedBy(2).toMillis());
            assertThat(downs.get()).as("losses of a healthy subscription nobody published to").isZero();
            store.publish(channel, "after the quiet").await().atMost(Duration.ofSeconds(5));
            deadline = System.nanoTime() + Duration.ofSeconds(2).toNanos();
            while (received.isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(received).containsExactly("after the quiet");
        } finally {
            subscription.close();
        }
    }
}
