package io.cachepatterns.shared.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.cachepatterns.testsupport.RealServersResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.mutiny.core.buffer.Buffer;
import io.vertx.mutiny.redis.client.Command;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** How the store uses its connections, against a real Redis. */
@QuarkusTest
@WithTestResource(RealServersResource.class)
class RedisStoreTest {

    private static final int BURST = 500;

    @Inject
    RedisStore store;

    @Inject
    Vertx vertx;

    /** Sends {@code BURST} GETs at once from one event loop, and answers how many came back with the value. */
    private int burstFrom(Context eventLoop, String key) {
        Uni<Integer> found = Uni.createFrom().emitter(emitter -> eventLoop.runOnContext(ignored -> {
            List<Uni<Buffer>> gets = new ArrayList<>();
            for (int i = 0; i < BURST; i++) {
                gets.add(store.get(key));
            }
            Uni.join().all(gets).andFailFast()
                    .map(values -> (int) values.stream().filter(value -> "v".equals(String.valueOf(value))).count())
                    .subscribe().with(emitter::complete, emitter::fail);
        }));
        return found.await().atMost(Duration.ofSeconds(10));
    }

    private long clients() {
        return store.command(Command.CLIENT, List.of("LIST")).await().atMost(Duration.ofSeconds(5))
                .toString().lines().count();
    }

    @Test
    void commandsFromOneEventLoopShareOneConnectionWhichRedisPipelines() {
        String key = "shared-test:store:" + UUID.randomUUID();
        store.set(key, Buffer.buffer("v"), Duration.ofMinutes(1)).await().atMost(Duration.ofSeconds(5));
        Context eventLoop = vertx.getOrCreateContext();
        long before = clients();

        assertEquals(BURST, burstFrom(eventLoop, key));
        // A pool would have opened up to its maximum (32) for a burst like this one.
        assertThat(clients() - before).as("connections opened for %d commands at once", BURST).isLessThanOrEqualTo(1);
    }

    @Test
    void aLostConnectionIsReplacedByTheNextCommand() {
        String key = "shared-test:store:" + UUID.randomUUID();
        store.set(key, Buffer.buffer("v"), Duration.ofMinutes(1)).await().atMost(Duration.ofSeconds(5));
        Context eventLoop = vertx.getOrCreateContext();
        assertEquals(BURST, burstFrom(eventLoop, key));

        // Redis drops every client connection (as a restart or a network cut would).
        store.command(Command.CLIENT, List.of("KILL", "TYPE", "normal")).await().atMost(Duration.ofSeconds(5));
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        int answered = 0;
        while (answered < BURST && System.nanoTime() < deadline) {
            try {
                answered = burstFrom(eventLoop, key); // the first try may still meet the dead connection
            } catch (RuntimeException stillClosing) {
                answered = 0;
            }
        }
        assertEquals(BURST, answered, "after the loss, a new connection serves the event loop");
    }

    @Test
    void errorRepliesOfAHealthyRedisDoNotOpenTheBreaker() {
        String key = "shared-test:store:" + UUID.randomUUID();
        store.set(key, Buffer.buffer("v"), Duration.ofMinutes(1)).await().atMost(Duration.ofSeconds(5));
        for (int i = 0; i < 40; i++) {
            // NOGROUP (a stream whose consumer group is gone) and WRONGTYPE: answers, not outages.
            Uni<?> failing = i % 2 == 0
                    ? store.command(Command.XREADGROUP, List.of("GROUP", "no-such-group", "c", "COUNT", "1",
                            "STREAMS", key + ":stream", ">"))
                    : store.command(Command.HGET, List.of(key, "field"));
            assertThat(failing.map(ignored -> "answered").onFailure().recoverWithItem(Throwable::getMessage)
                    .await().atMost(Duration.ofSeconds(5))).matches("(NOGROUP|WRONGTYPE).*");
        }
        assertEquals("v", store.get(key).await().atMost(Duration.ofSeconds(5)).toString(),
                "the breaker is still closed: reads are served from Redis");
    }
}
