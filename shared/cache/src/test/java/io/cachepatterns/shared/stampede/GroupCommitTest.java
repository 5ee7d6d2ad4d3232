package io.cachepatterns.shared.stampede;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

class GroupCommitTest {

    /** A store whose writes complete only when the test says so; it records each batch it was sent. */
    private final List<List<Integer>> batches = new CopyOnWriteArrayList<>();
    private final List<UniEmitter<? super Integer>> open = new CopyOnWriteArrayList<>();
    private final GroupCommit<Integer, Integer> commit = new GroupCommit<>((key, writes) -> {
        batches.add(writes);
        return Uni.createFrom().emitter(open::add);
    });

    private Uni<Integer> submitted(String key, int write) {
        return commit.submit(key, write).memoize().indefinitely();
    }

    @Test
    void writesThatArriveWhileOneIsInFlightGoTogetherInArrivalOrder() {
        Uni<Integer> first = submitted("k", 1);
        first.subscribe().with(ignored -> { });
        List<Uni<Integer>> waiting = new ArrayList<>();
        for (int write = 2; write <= 5; write++) {
            Uni<Integer> next = submitted("k", write);
            next.subscribe().with(ignored -> { });
            waiting.add(next);
        }
        assertEquals(List.of(List.of(1)), batches, "only the first is on its way");

        open.get(0).complete(100);
        assertEquals(100, first.await().atMost(Duration.ofSeconds(1)));
        assertEquals(List.of(List.of(1), List.of(2, 3, 4, 5)), batches, "the others went as one, in order");
        open.get(1).complete(200);
        waiting.forEach(next -> assertEquals(200, next.await().atMost(Duration.ofSeconds(1))));
        assertEquals(0, commit.inFlight());
    }

    @Test
    void aLoneWriteGoesAtOnceAndKeysDoNotWaitForEachOther() {
        submitted("a", 1).subscribe().with(ignored -> { });
        submitted("b", 2).subscribe().with(ignored -> { });
        assertThat(batches).containsExactly(List.of(1), List.of(2));
    }

    @Test
    void aFailedBatchFailsEachOfItsCallersAndTheNextBatchStillGoes() {
        Uni<Integer> first = submitted("k", 1);
        first.subscribe().with(ignored -> { }, ignored -> { });
        Uni<Integer> second = submitted("k", 2);
        second.subscribe().with(ignored -> { }, ignored -> { });
        Uni<Integer> third = submitted("k", 3);
        third.subscribe().with(ignored -> { }, ignored -> { });

        open.get(0).fail(new IllegalStateException("Redis refused it"));
        assertThrows(IllegalStateException.class, () -> first.await().atMost(Duration.ofSeconds(1)));
        assertEquals(List.of(2, 3), batches.get(1), "the waiting writes are not lost with the failed one");
        open.get(1).fail(new IllegalStateException("again"));
        assertThrows(IllegalStateException.class, () -> second.await().atMost(Duration.ofSeconds(1)));
        assertThrows(IllegalStateException.class, () -> third.await().atMost(Duration.ofSeconds(1)));
        assertEquals(0, commit.inFlight());
    }
}
