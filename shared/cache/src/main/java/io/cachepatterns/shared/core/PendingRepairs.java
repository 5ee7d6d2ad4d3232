package io.cachepatterns.shared.core;

import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * Repairs that must reach Redis after a write-through's cache write failed past its commit (supersede an entry, mark a
 * ranking incomplete), sent until Redis has taken them.
 *
 * <p>Why: Redis may answer every other instance while this one alone cannot reach it (a stalled connection, a pause of
 * this JVM), and those instances read what the write should have changed. So the write's answer waits for its
 * repair, sent again and again until Redis takes it or {@code cache-store.repair-wait} has passed; attempts after the
 * first run off the event loop, so they go through the pool rather than the loop's connection, which may be the one
 * that stalled. A repair that outlasts the wait goes on in the background, one round every {@link #INTERVAL}: once
 * Redis answers again it lands within that, before an instance that saw the outage lowers its fence
 * ({@code cache-store.fence-hold}, 3 s) — not at the next step of a growing backoff, seconds later (the ranking's
 * marker was still vouching for a set without the score 2-3 s after Redis was back, measured by
 * {@code WriteThroughRepairTest}).
 *
 * <p><b>Trade-off.</b> During a full Redis outage a write that needs a repair is answered {@code repair-wait} later,
 * and while repairs are pending each round sends them one by one, oldest first, until one fails: a Redis that is down
 * costs one failed attempt per round, however many are pending.
 *
 * <p><b>Guarantees.</b> The attempts are the caller's (past the breaker, each with the store's timeout). One pending
 * repair per key: a repair that lands clears those submitted before it, never one submitted after it (its commit may
 * be later than the landing). Never abandoned while the instance lives; kept in memory only, so a repair pending when
 * the instance dies is lost: the outbox (values) or the ranking marker's TTL makes up for it.
 */
public final class PendingRepairs {

    /** Between the attempts of a repair being waited for: a refused connection is not retried in a tight loop. */
    private static final Duration PAUSE = Duration.ofMillis(50);
    /** Between background rounds: well inside the fence's hold, so a repair lands before other instances read. */
    private static final Duration INTERVAL = Duration.ofMillis(250);

    private final Duration wait;
    private final AtomicLong submitted = new AtomicLong();
    private final Map<String, Repair> pending = new ConcurrentHashMap<>();
    private final AtomicBoolean roundScheduled = new AtomicBoolean();

    /** A submission: later ones have higher numbers. */
    private record Repair(long number, Supplier<Uni<?>> attempt) {
    }

    public PendingRepairs(Duration wait) {
        this.wait = wait;
    }

    /**
     * Sends {@code attempt} until it succeeds or the wait has passed; answers then, on the caller's context, never
     * failing. Not landed by then: pending, and tried again every round until it lands.
     */
    public Uni<Void> repair(String key, Supplier<Uni<?>> attempt) {
        Context caller = VertxContexts.current();
        Repair repair = new Repair(submitted.incrementAndGet(), attempt);
        long deadline = System.nanoTime() + wait.toNanos();
        return attemptUntil(attempt, deadline)
                .map(landed -> {
                    if (landed) {
                        landed(key, repair);
                    } else {
                        pending.merge(key, repair, (older, newer) -> newer.number() > older.number() ? newer : older);
                        scheduleRound();
                    }
                    return (Void) null;
                })
                .emitOn(VertxContexts.on(caller));
    }

    /** Whether a repair of {@code key} is waiting for Redis. */
    public boolean isPending(String key) {
        return pending.containsKey(key);
    }

    /** Repairs waiting for Redis now. */
    public int size() {
        return pending.size();
    }

    private Uni<Boolean> attemptUntil(Supplier<Uni<?>> attempt, long deadline) {
        return Uni.createFrom().deferred(attempt).replaceWith(true)
                .onFailure().recoverWithUni(failure -> System.nanoTime() + PAUSE.toNanos() >= deadline
                        ? Uni.createFrom().item(false)
                        : Uni.createFrom().voidItem().onItem().delayIt().by(PAUSE)
                                .flatMap(ignored -> attemptUntil(attempt, deadline)));
    }

    /** What landed covers every earlier submission for the key; a later one may cover a later commit. */
    private void landed(String key, Repair repair) {
        pending.computeIfPresent(key, (ignored, waiting) -> waiting.number() <= repair.number() ? null : waiting);
    }

    private void scheduleRound() {
        if (roundScheduled.compareAndSet(false, true)) {
            Uni.createFrom().voidItem().onItem().delayIt().by(INTERVAL)
                    .flatMap(ignored -> {
                        List<Map.Entry<String, Repair>> due = new ArrayList<>(pending.entrySet());
                        due.sort(Comparator.comparingLong(entry -> entry.getValue().number()));
                        return inOrder(due.iterator());
                    })
                    .onFailure().recoverWithNull() // Redis is still out: the next round tries again
                    .subscribe().with(ignored -> {
                        roundScheduled.set(false);
                        if (!pending.isEmpty()) {
                            scheduleRound();
                        }
                    });
        }
    }

    /** One attempt each, oldest first; the first failure ends the round. */
    private Uni<Void> inOrder(Iterator<Map.Entry<String, Repair>> due) {
        if (!due.hasNext()) {
            return Uni.createFrom().voidItem();
        }
        Map.Entry<String, Repair> next = due.next();
        return Uni.createFrom().deferred(next.getValue().attempt())
                .invoke(() -> landed(next.getKey(), next.getValue()))
                .flatMap(ignored -> inOrder(due));
    }
}
