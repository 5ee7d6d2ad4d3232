package io.cachepatterns.shared.core;

import io.cachepatterns.shared.config.RedisStoreConfig;
import io.cachepatterns.shared.metrics.CacheMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Keeps cached reads off Redis while it may hold values that a committed change has made stale: after Redis failed
 * here, until every invalidation it missed has been delivered.
 *
 * <p>Why: an invalidation that Redis could not take waits in its service's outbox until a relay delivers it. Without
 * the fence, the first reads after Redis came back (its breaker closing) found the old values before the relay's
 * next poll, on every instance: the fault suite measured product reads up to 1.5 s older than a write answered before
 * the outage ended, write-through profiles that missed read-your-writes on the other instance, and a logged-out token
 * accepted by another service.
 *
 * <p><b>Trade-off.</b> While raised, every cached read goes to its loader (a degraded read, counted as such): an
 * outage of Redis is followed by a few seconds of database reads; if the database is out too, those reads fail
 * instead of answering from a Redis that may be stale.
 *
 * <p><b>Guarantees.</b> Raised by every Redis failure this instance sees (a timeout, a lost connection, the breaker
 * open) and by an overdue outbox row (an invalidation its writer could not deliver, seen by the relay of any instance
 * of its service). Lowered no sooner than {@code cache-store.fence-hold} after the last failure — long enough for the
 * relay of whichever service owns a cache (sessions are profile-service's, read by all) to deliver — and, in a
 * service with an outbox, only once its relay, taking every row however young, found none and Redis did not fail
 * here meanwhile. An instance that never saw Redis fail learns of an undelivered invalidation of its own service
 * from the relay: within a poll of its writer's answer (the writer hands it over before answering), within
 * {@code min-age} plus a poll if the writer died first; of another service's, not at all (that service's relay
 * delivers it within the same time).
 */
@ApplicationScoped
public class InvalidationFence {

    private final AtomicInteger raised;
    private final long holdNanos;
    private long generation;
    private volatile long lastRaisedNanos;
    private volatile boolean guarded;

    @Inject
    public InvalidationFence(CacheMetrics metrics, RedisStoreConfig config) {
        this(metrics.registry(), config.fenceHold());
    }

    public InvalidationFence(MeterRegistry registry, Duration hold) {
        this.raised = registry.gauge(CacheMetrics.FENCE_RAISED, new AtomicInteger());
        this.holdNanos = hold.toNanos();
    }

    /** Called by the outbox relay at start-up: from now on only the relay lowers the fence. */
    public void guard() {
        guarded = true;
    }

    /** Redis failed here, or an invalidation is overdue: reads bypass Redis until it is safe again. */
    public synchronized void raise() {
        generation++;
        lastRaisedNanos = System.nanoTime();
        raised.set(1);
    }

    /** On every cached read: lock-free unless raised. */
    public boolean isRaised() {
        if (raised.get() == 0) {
            return false;
        }
        if (!guarded) {
            lowerIfUnchanged(generation());
        }
        return raised.get() == 1;
    }

    /** What to pass to {@link #lowerIfUnchanged}, taken before the relay's poll. */
    public synchronized long generation() {
        return generation;
    }

    /** Lowers the fence once the hold is over, unless it was raised again since {@code seen}. */
    public synchronized void lowerIfUnchanged(long seen) {
        if (generation == seen && System.nanoTime() - lastRaisedNanos > holdNanos) {
            raised.set(0);
        }
    }
}
