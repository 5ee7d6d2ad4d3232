package io.cachepatterns.shared.patterns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.cachepatterns.shared.core.RedisStore;
import io.cachepatterns.shared.metrics.CacheMetrics;
import io.cachepatterns.shared.patterns.SortedSetWriteThrough.Ranked;
import io.cachepatterns.shared.patterns.SortedSetWriteThrough.Scored;
import io.cachepatterns.testsupport.RealServersResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Command;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The ranking's guarantees against a real Redis; the "database" is a list the loader reads. */
@QuarkusTest
@WithTestResource(RealServersResource.class)
class SortedSetWriteThroughTest {

    @Inject
    Caches caches;

    @Inject
    RedisStore store;

    @Inject
    CacheMetrics metrics;

    private double rebuilds() {
        return metrics.registry().get(CacheMetrics.SORTED_SET_REBUILDS).tag("cache", "boards-test").counter().count();
    }

    @Test
    void aWriteThatCouldNotReachTheSetIsNeverMaskedByARebuildThatReadBeforeIt() throws Exception {
        SortedSetWriteThrough boards = caches.sortedSetWriteThrough("boards-test");
        String board = "b-" + UUID.randomUUID();
        List<Scored> database = new CopyOnWriteArrayList<>(List.of(new Scored("alice", 10)));
        CompletableFuture<Void> rebuildMayGoOn = new CompletableFuture<>();
        AtomicInteger reads = new AtomicInteger();

        // A rebuild reads the scores (alice only), then is slow to finish.
        var slowRead = boards.top(board, 10, () -> {
            List<Scored> snapshot = List.copyOf(database);
            return reads.incrementAndGet() == 1
                    ? Uni.createFrom().completionStage(rebuildMayGoOn.thenApply(ignored -> snapshot))
                    : Uni.createFrom().item(snapshot);
        }).subscribeAsCompletionStage();
        Thread.sleep(100);
        // Meanwhile bob's score commits, and its ZADD fails: the library marks the set incomplete.
        database.add(new Scored("bob", 50));
        boards.markIncomplete(board);
        Thread.sleep(100);
        rebuildMayGoOn.complete(null);
        slowRead.get(5, TimeUnit.SECONDS);

        Ranked bob = boards.rank(board, "bob", () -> Uni.createFrom().item(List.copyOf(database)))
                .await().atMost(Duration.ofSeconds(5));
        assertThat(bob).as("bob is ranked: the stale rebuild did not mark the set complete").isNotNull();
        assertEquals(1, bob.rank());
    }

    @Test
    void concurrentReadsOfALostBoardRebuildItOnce() {
        SortedSetWriteThrough boards = caches.sortedSetWriteThrough("boards-test");
        String board = "b-" + UUID.randomUUID();
        List<Scored> database = List.of(new Scored("alice", 10), new Scored("bob", 20));
        double before = rebuilds();
        List<Uni<List<Ranked>>> reads = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            reads.add(boards.top(board, 10, () -> Uni.createFrom().item(database)
                    .onItem().delayIt().by(Duration.ofMillis(200))));
        }
        List<List<Ranked>> tops = Uni.join().all(reads).andFailFast().await().atMost(Duration.ofSeconds(10));
        assertEquals(1, rebuilds() - before, 0.0, "100 concurrent reads of a lost board: one rebuild");
        assertThat(tops).allSatisfy(top -> assertEquals("bob", top.get(0).member()));
    }

    @Test
    void readingABoardThatDoesNotExistLeavesNoLastingKey() {
        SortedSetWriteThrough boards = caches.sortedSetWriteThrough("boards-test");
        String board = "nobody-" + UUID.randomUUID();
        assertEquals(List.of(), boards.top(board, 10, () -> Uni.createFrom().item(List.<Scored>of()))
                .await().atMost(Duration.ofSeconds(5)));
        String prefix = "shared-test:boards-test:v1:{" + board + "}";
        for (String key : List.of(prefix, prefix + ":complete", prefix + ":gen", prefix + ":rebuilding")) {
            long ttl = store.command(Command.PTTL, List.of(key)).await().atMost(Duration.ofSeconds(5)).toLong();
            assertThat(ttl).as("PTTL of %s (-2: no key)", key).satisfiesAnyOf(
                    t -> assertThat(t).isEqualTo(-2L), t -> assertThat(t).isBetween(0L, 60_000L));
        }
    }
}
