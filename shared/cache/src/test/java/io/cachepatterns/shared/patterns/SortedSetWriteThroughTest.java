package io.cachepatterns.shared.patterns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.cachepatterns.shared.core.RedisAnswers;
import io.cachepatterns.shared.core.RedisStore;
import io.cachepatterns.shared.metrics.CacheMetrics;
import io.cachepatterns.shared.patterns.SortedSetWriteThrough.Ranked;
import io.cachepatterns.shared.patterns.SortedSetWriteThrough.Scored;
import io.cachepatterns.testsupport.RealServersResource;
import io.cachepatterns.testsupport.Servers;
import io.cachepatterns.testsupport.TestServers;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.mutiny.redis.client.Command;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Assumptions;
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

    @Inject
    Vertx vertx;

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
        boards.markIncomplete(board).await().atMost(Duration.ofSeconds(5));
        Thread.sleep(100);
        rebuildMayGoOn.complete(null);
        slowRead.get(5, TimeUnit.SECONDS);

        Ranked bob = boards.rank(board, "bob", () -> Uni.createFrom().item(List.copyOf(database)))
                .await().atMost(Duration.ofSeconds(5));
        assertThat(bob).as("bob is ranked: the stale rebuild did not mark the set complete").isNotNull();
        assertEquals(1, bob.rank());
    }

    /**
     * A writer whose caller gives up (a client that disconnects while the player's row is locked) after the score was
     * sent to the database: the database commits it anyway, so the ranking must get it too, whoever still waits.
     */
    @Test
    void aScoreCommittedAfterItsCallerGaveUpStillReachesTheRanking() throws Exception {
        SortedSetWriteThrough boards = caches.sortedSetWriteThrough("boards-test");
        String board = "b-" + UUID.randomUUID();
        List<Scored> database = new CopyOnWriteArrayList<>(List.of(new Scored("alice", 10)));
        assertEquals(1, boards.top(board, 10, () -> Uni.createFrom().item(List.copyOf(database)))
                .await().atMost(Duration.ofSeconds(5)).size(), "the set is complete, with alice");

        // The commit completes 300 ms after it was sent, whatever the caller does meanwhile.
        CompletableFuture<Long> committed = new CompletableFuture<>();
        var caller = boards.write(board, "bob", () -> {
            CompletableFuture.delayedExecutor(300, TimeUnit.MILLISECONDS).execute(() -> {
                database.add(new Scored("bob", 50));
                committed.complete(50L);
            });
            return Uni.createFrom().completionStage(() -> committed.thenApply(score -> score)); // a copy: not cancelled
        }).subscribe().with(ignored -> { }, ignored -> { });
        Thread.sleep(100);
        caller.cancel(); // the client went away while the commit was under way
        committed.get(5, TimeUnit.SECONDS);
        Thread.sleep(500);

        Ranked bob = boards.rank(board, "bob", () -> Uni.createFrom().item(List.copyOf(database)))
                .await().atMost(Duration.ofSeconds(5));
        assertThat(bob).as("bob's committed score is ranked").isNotNull();
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

    @Test
    void withRedisDownTheWholeRankingIsSortedOffTheEventLoopAndAnsweredOnIt() throws Exception {
        Servers servers = TestServers.get();
        Assumptions.assumeTrue(servers.canStopRedis(), "these servers are not ours to stop");
        SortedSetWriteThrough boards = caches.sortedSetWriteThrough("boards-test");
        String board = "b-" + UUID.randomUUID();
        List<Boolean> copiedOnEventLoop = new CopyOnWriteArrayList<>();
        // The "database" answers on the caller's thread (a reactive driver answers on the event loop); the ranking
        // copies it before sorting, which is where we look at the thread.
        List<Scored> scores = new AbstractList<>() {
            @Override
            public Scored get(int index) {
                return new Scored("m-" + index, index);
            }

            @Override
            public int size() {
                return 50_000;
            }

            @Override
            public Object[] toArray() {
                copiedOnEventLoop.add(Context.isOnEventLoopThread());
                return super.toArray();
            }
        };
        CompletableFuture<Ranked> answer = new CompletableFuture<>();
        List<Boolean> answeredOnEventLoop = new CopyOnWriteArrayList<>();

        servers.stopRedis();
        try {
            vertx.getOrCreateContext().runOnContext(ignored -> boards.rank(board, "m-0",
                    () -> Uni.createFrom().item(scores)).subscribe().with(ranked -> {
                        answeredOnEventLoop.add(Context.isOnEventLoopThread());
                        answer.complete(ranked);
                    }, answer::completeExceptionally));
            Ranked last = answer.get(10, TimeUnit.SECONDS);
            assertEquals(50_000, last.rank(), "ranked from the database");
        } finally {
            servers.startRedis();
            RedisAnswers.await(store, Duration.ofSeconds(15)); // the breaker closed again, for the next test
        }
        assertEquals(List.of(false), copiedOnEventLoop, "the whole ranking was sorted on a worker thread");
        assertEquals(List.of(true), answeredOnEventLoop, "and the answer came back on the caller's event loop");
    }
}
