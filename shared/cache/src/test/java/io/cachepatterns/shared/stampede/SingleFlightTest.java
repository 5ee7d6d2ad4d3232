package io.cachepatterns.shared.stampede;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.smallrye.mutiny.Uni;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
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
}
