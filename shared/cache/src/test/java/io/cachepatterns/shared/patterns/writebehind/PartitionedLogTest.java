package io.cachepatterns.shared.patterns.writebehind;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.cachepatterns.shared.patterns.Caches;
import io.cachepatterns.testsupport.RealServersResource;
import io.cachepatterns.testsupport.RedisCli;
import io.cachepatterns.testsupport.TestServers;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Write-behind over a log split into three hash tags ({@code log-partitions=3}), so that a Redis Cluster spreads it
 * over three primaries: each partition has its own log and consumer group, and two instances flushing every
 * partition at once still land every acknowledged increment exactly once.
 */
@QuarkusTest
@WithTestResource(RealServersResource.class)
class PartitionedLogTest {

    private static final String PREFIX = "shared-test:partitioned-test:v1:";

    @Inject
    Caches caches;

    @Test
    void valuesSpreadOverThePartitionsAndTwoInstancesFlushEveryOneExactly() throws Exception {
        WriteBehindTest.Table table = new WriteBehindTest.Table();
        WriteBehind first = caches.writeBehind("partitioned-test", List.of("views", "likes"), table, table);
        WriteBehind second = caches.writeBehind("partitioned-test", List.of("views", "likes"), table, table);
        String run = UUID.randomUUID().toString();
        List<String> ids = IntStream.range(0, 60).mapToObj(i -> "item-" + run + "-" + i).toList();

        // Acknowledged, not flushed: every partition's log names some of them.
        for (String id : ids) {
            first.increment(id, Map.of("views", 1L)).await().atMost(Duration.ofSeconds(5));
        }
        try (RedisCli redis = RedisCli.connect(TestServers.get().redisUrl())) {
            assertEveryLogNamesSome(redis);
        }
        List<String> logs = IntStream.range(0, 3)
                .mapToObj(p -> PREFIX + "{" + CounterHashes.tag(p, 3) + "}:log").toList();

        AtomicBoolean writing = new AtomicBoolean(true);
        Thread firstFlusher = flushInALoop(first, writing);
        Thread secondFlusher = flushInALoop(second, writing);
        for (int round = 0; round < 30; round++) {
            List<Uni<Map<String, Long>>> writes = new ArrayList<>();
            for (int i = 0; i < ids.size(); i++) {
                WriteBehind through = i % 2 == 0 ? first : second;
                writes.add(through.increment(ids.get(i), Map.of(round % 3 == 0 ? "likes" : "views", 1L)));
            }
            Uni.join().all(writes).andFailFast().await().atMost(Duration.ofSeconds(10));
        }
        writing.set(false);
        firstFlusher.join();
        secondFlusher.join();
        for (int i = 0; i < 20 && first.flushOnce().await().atMost(Duration.ofSeconds(10)).entries() > 0; i++) {
            second.flushOnce().await().atMost(Duration.ofSeconds(10));
        }

        for (String id : ids) {
            assertEquals(21, table.value(id, "views"), "views of " + id); // 1 + 20 rounds
            assertEquals(10, table.value(id, "likes"), "likes of " + id);
        }
        try (RedisCli redis = RedisCli.connect(TestServers.get().redisUrl())) {
            for (String log : logs) {
                assertEquals(0L, ((Number) redis.call("XLEN", log)).longValue(), log + " drained");
            }
        }
        assertEquals(0, first.pending());
    }

    private static void assertEveryLogNamesSome(RedisCli redis) {
        for (int p = 0; p < 3; p++) {
            String log = PREFIX + "{" + CounterHashes.tag(p, 3) + "}:log";
            assertThat(((Number) redis.call("XLEN", log)).longValue()).as(log).isPositive();
        }
    }

    private static Thread flushInALoop(WriteBehind counters, AtomicBoolean writing) {
        Thread thread = new Thread(() -> {
            while (writing.get()) {
                counters.flushOnce().await().atMost(Duration.ofSeconds(10));
            }
        });
        thread.start();
        return thread;
    }
}
