package io.cachepatterns.shared.patterns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.cachepatterns.shared.patterns.writebehind.WriteBehind;
import io.cachepatterns.testsupport.RealServersResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Three instances of a service, as a deployment scaled to three runs them (here three instances of each pattern in
 * one JVM, sharing one Redis, or a cluster with {@code TEST_REDIS_MODE}): each write-behind log entry is flushed by
 * one of them, a hot key is reloaded by one at a time, and a flag flip or an invalidation on one reaches all three.
 */
@QuarkusTest
@WithTestResource(RealServersResource.class)
class ThreeInstancesTest {

    @Inject
    Caches caches;

    /** A table that remembers which instance wrote each log entry's row. */
    private static final class Table implements WriteBehind.BatchWriter, WriteBehind.Loader {
        final Map<String, List<Integer>> writersOfEntry;
        final int instance;

        Table(int instance, Map<String, List<Integer>> writersOfEntry) {
            this.instance = instance;
            this.writersOfEntry = writersOfEntry;
        }

        @Override
        public Uni<Void> write(List<WriteBehind.Row> batch) {
            for (WriteBehind.Row row : batch) {
                writersOfEntry.computeIfAbsent(row.id() + "@" + row.logId(), ignored -> new java.util.concurrent
                        .CopyOnWriteArrayList<>()).add(instance);
            }
            return Uni.createFrom().voidItem();
        }

        @Override
        public Uni<Map<String, Long>> load(String id) {
            return Uni.createFrom().nullItem();
        }
    }

    @Test
    void eachWriteBehindLogEntryIsFlushedByOneOfThreeInstances() throws Exception {
        Map<String, List<Integer>> writersOfEntry = new ConcurrentHashMap<>();
        List<WriteBehind> instances = IntStream.range(0, 3).mapToObj(i -> {
            Table table = new Table(i, writersOfEntry);
            return caches.writeBehind("three-test", List.of("views"), table, table);
        }).toList();
        List<String> ids = IntStream.range(0, 30).mapToObj(i -> "item-" + UUID.randomUUID()).toList();
        AtomicBoolean writing = new AtomicBoolean(true);
        List<Thread> flushers = new ArrayList<>();
        for (WriteBehind instance : instances) {
            Thread flusher = new Thread(() -> {
                while (writing.get()) {
                    instance.flushOnce().await().atMost(Duration.ofSeconds(10));
                }
            });
            flusher.start();
            flushers.add(flusher);
        }
        // 20 rounds, then more until each instance has flushed some (a fast run can end before the third one's turn
        // came: sharing is the property, not its timing), for at most 10 s.
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        for (int round = 0; round < 20 || writersOfEntry.values().stream().filter(writers -> !writers.isEmpty())
                .map(writers -> writers.get(0)).distinct().count() < 3 && System.nanoTime() < deadline; round++) {
            List<Uni<Map<String, Long>>> writes = new ArrayList<>();
            for (int i = 0; i < ids.size(); i++) {
                writes.add(instances.get(i % 3).increment(ids.get(i), Map.of("views", 1L)));
            }
            Uni.join().all(writes).andFailFast().await().atMost(Duration.ofSeconds(10));
        }
        writing.set(false);
        for (Thread flusher : flushers) {
            flusher.join();
        }
        for (WriteBehind instance : instances) {
            instance.flushOnce().await().atMost(Duration.ofSeconds(10));
        }

        assertThat(writersOfEntry).as("log entries flushed").isNotEmpty();
        writersOfEntry.forEach((entry, writers) ->
                assertThat(writers).as("instances that wrote %s", entry).hasSize(1));
        assertThat(writersOfEntry.values().stream().map(writers -> writers.get(0)).distinct().count())
                .as("instances that flushed some").isEqualTo(3);
    }

    @Test
    void aHotKeyKeptHotByThreeInstancesIsReloadedByOneAtATime() {
        RefreshAheadTest.SlowSource source = new RefreshAheadTest.SlowSource(Duration.ofMillis(50));
        String id = UUID.randomUUID().toString();
        List<RefreshAhead<String>> instances = IntStream.range(0, 3)
                .mapToObj(i -> caches.refreshAhead("hot-test", String.class, source)).toList();
        try {
            instances.forEach(instance -> instance.keepHot(id));
            RefreshAheadTest.sleepMillis(4_000); // four TTLs of 1 s, reloads due every ~0.5 s

            assertThat(source.mostAtOnce.get()).as("reloads of the key at once, across three instances")
                    .isEqualTo(1);
            assertThat(source.loads.get()).as("reloads in 4 s: one per refresh period, not one per instance")
                    .isBetween(5, 10);
        } finally {
            instances.forEach(RefreshAhead::stop);
        }
    }

    @Test
    void aFlagFlipOnOneInstanceReachesTheOtherTwo() {
        List<NearCache<String>> instances = IntStream.range(0, 3)
                .mapToObj(i -> caches.nearCache("flags-test", String.class)).toList();
        try {
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (!instances.stream().allMatch(NearCache::subscribed)) {
                assertThat(System.nanoTime()).as("all three subscribed").isLessThan(deadline);
                RefreshAheadTest.sleepMillis(20);
            }
            String id = UUID.randomUUID().toString();
            AtomicReference<String> database = new AtomicReference<>("off");
            for (NearCache<String> instance : instances) {
                assertEquals("off", instance.get(id, () -> Uni.createFrom().item(database::get))
                        .await().atMost(Duration.ofSeconds(5))); // warm in every L1
            }

            database.set("on");
            instances.get(0).invalidate(id).await().atMost(Duration.ofSeconds(5));
            long start = System.nanoTime();
            for (NearCache<String> instance : instances.subList(1, 3)) {
                while (!"on".equals(instance.get(id, () -> Uni.createFrom().item(database::get))
                        .await().atMost(Duration.ofSeconds(5)))) {
                    // Well within the L1 TTL (500 ms): the message arrived, the TTL did not expire.
                    assertThat(System.nanoTime() - start).as("the flip reached every instance")
                            .isLessThan(Duration.ofMillis(250).toNanos());
                }
            }
        } finally {
            instances.forEach(NearCache::close);
        }
    }
}
