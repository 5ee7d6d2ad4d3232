package io.cachepatterns.shared.stampede;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.smallrye.mutiny.Uni;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import io.smallrye.mutiny.subscription.Cancellable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class SingleFlightTest {

    private final SingleFlight<String> flight = new SingleFlight<>();

    @Test
    void concurrentCallersOfOneKeyShareOneLoad() {
        AtomicInteger loads = new AtomicInteger();
        Uni<String> slow = Uni.createFrom().item(() -> "v" + loads.incrementAndGet())
                .onItem().delayIt().by(Duration.ofMillis(200));

        List<Uni<String>> calls = IntStream.range(0, 50).mapToObj(i -> flight.run("k", () -> slow)).toList();
        List<String> results = Uni.join().all(calls).andFailFast().await().atMost(Duration.ofSeconds(5));

        assertEquals(1, loads.get());
        assertEquals(List.of("v1"), results.stream().distinct().toList());
        assertEquals(0, flight.inFlight(), "nothing is left behind");
    }

    @Test
    void aCallerAfterTheLoadEndedStartsAFreshOne() {
        AtomicInteger loads = new AtomicInteger();
        assertEquals("1", flight.run("k", () -> Uni.createFrom().item(() -> "" + loads.incrementAndGet()))
                .await().indefinitely());
        assertEquals("2", flight.run("k", () -> Uni.createFrom().item(() -> "" + loads.incrementAndGet()))
                .await().indefinitely());
    }

    @Test
    void aFailureReachesEveryWaiterAndIsNotRemembered() {
        AtomicInteger loads = new AtomicInteger();
        Uni<String> failing = Uni.createFrom().voidItem().onItem().delayIt().by(Duration.ofMillis(100))
                .invoke(loads::incrementAndGet)
                .flatMap(ignored -> Uni.createFrom().failure(new IllegalStateException("db down")));
        var waiters = IntStream.range(0, 5)
                .mapToObj(i -> flight.run("k", () -> failing).subscribeAsCompletionStage())
                .toList();
        waiters.forEach(waiter -> assertThrows(java.util.concurrent.CompletionException.class, waiter::join));
        assertEquals(1, loads.get(), "one failed load, shared");
        assertEquals("ok", flight.run("k", () -> Uni.createFrom().item("ok")).await().indefinitely());
    }

    @Test
    void differentKeysDoNotWaitForEachOther() {
        AtomicInteger loads = new AtomicInteger();
        flight.run("a", () -> Uni.createFrom().item(() -> "" + loads.incrementAndGet())).await().indefinitely();
        flight.run("b", () -> Uni.createFrom().item(() -> "" + loads.incrementAndGet())).await().indefinitely();
        assertEquals(2, loads.get());
    }

    /** A load that ends when the test says so, counting how often it was started. */
    private static final class GatedLoad {
        final AtomicInteger started = new AtomicInteger();
        final CompletableFuture<String> gate = new CompletableFuture<>();

        Uni<String> get() {
            return Uni.createFrom().deferred(() -> {
                int n = started.incrementAndGet();
                return Uni.createFrom().completionStage(gate.thenApply(v -> v + n));
            });
        }
    }

    @Test
    void aLeaderThatGivesUpLeavesNothingBehindAndTheNextCallerIsServed() throws Exception {
        GatedLoad load = new GatedLoad();
        Cancellable leader = flight.run("k", load::get).subscribe().with(item -> { }, failure -> { });
        leader.cancel(); // the client that started the load went away

        var next = flight.run("k", load::get).subscribeAsCompletionStage();
        load.gate.complete("v");

        assertEquals("v1", next.get(2, TimeUnit.SECONDS), "the next caller gets the load's value, not a hang");
        assertEquals(1, load.started.get(), "one load: the leader's, which outlived it");
        assertEquals(0, flight.inFlight(), "no entry is left behind");
        assertEquals("ok", flight.run("k", () -> Uni.createFrom().item("ok")).await().atMost(Duration.ofSeconds(1)));
    }

    @Test
    void aFollowerThatGivesUpFailsNobodyElse() throws Exception {
        GatedLoad load = new GatedLoad();
        var leader = flight.run("k", load::get).subscribeAsCompletionStage();
        Cancellable follower = flight.run("k", load::get).subscribe().with(item -> { }, failure -> { });
        var another = flight.run("k", load::get).subscribeAsCompletionStage();
        follower.cancel();
        load.gate.complete("v");

        assertEquals("v1", leader.get(2, TimeUnit.SECONDS));
        assertEquals("v1", another.get(2, TimeUnit.SECONDS));
        assertEquals(1, load.started.get());
        assertEquals(0, flight.inFlight());
    }

    @Test
    void everyCallerGivingUpStillLetsTheLoadFinishAndClearItsEntry() {
        GatedLoad load = new GatedLoad();
        for (int i = 0; i < 3; i++) {
            flight.run("k", load::get).subscribe().with(item -> { }, failure -> { }).cancel();
        }
        assertEquals(1, flight.inFlight(), "the load is still under way");
        load.gate.complete("v");
        assertEquals(0, flight.inFlight(), "and removes its entry when it ends");
        assertEquals(1, load.started.get());
    }

    @Test
    void forgetDetachesTheLoadUnderWayFromLaterCallers() throws Exception {
        GatedLoad before = new GatedLoad();
        var early = flight.run("k", before::get).subscribeAsCompletionStage();
        flight.forget("k"); // an invalidation: the load above may have read the old row

        var late = flight.run("k", () -> Uni.createFrom().item("fresh")).subscribeAsCompletionStage();
        assertEquals("fresh", late.get(2, TimeUnit.SECONDS), "a caller after the invalidation loads anew");
        before.gate.complete("old");
        assertEquals("old1", early.get(2, TimeUnit.SECONDS), "the early caller keeps its own load");
        assertEquals(0, flight.inFlight());
    }
}
