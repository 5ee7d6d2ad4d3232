package io.cachepatterns.shared.metrics;

import io.cachepatterns.shared.problem.ProblemException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.opentelemetry.api.trace.Tracer;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.function.Supplier;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The one place that names the caches' meters. Every meter is tagged {@code cache} and {@code pattern}; Prometheus
 * sees them as {@code cache_gets_total{result="hit"}}, {@code cache_load_seconds}, and so on.
 */
@ApplicationScoped
public class CacheMetrics {

    public static final String GETS = "cache.gets";
    public static final String LOAD = "cache.load";
    public static final String LOAD_FAILURES = "cache.load.failures";
    public static final String STALE_SETS_REJECTED = "cache.stale.sets.rejected";
    public static final String DEGRADED = "cache.degraded";
    public static final String STALE_SERVED = "cache.stale.served";
    public static final String LEASE_WAIT_TIMEOUTS = "cache.lease.wait.timeouts";
    public static final String INVALIDATIONS = "cache.invalidations";
    public static final String INVALIDATION_FAILURES = "cache.invalidation.failures";
    public static final String REDIS_ERRORS = "cache.redis.errors";
    /** Connections the event loops opened (one each, then one per reconnect): a rising count is connection churn. */
    public static final String REDIS_LOOP_CONNECTS = "cache.redis.loop.connects";
    public static final String L1_GETS = "cache.l1.gets";
    public static final String INVALIDATIONS_RECEIVED = "cache.invalidations.received";
    public static final String SUBSCRIPTION_UP = "cache.subscription.up";
    /** Subscriptions lost (closed, or silent past the keep-alive): each one cleared a near cache's L1. */
    public static final String SUBSCRIPTION_LOSSES = "cache.subscription.losses";
    public static final String WRITE = "cache.write";
    public static final String SORTED_SET_REBUILDS = "cache.sorted.set.rebuilds";
    public static final String WRITE_BEHIND_PENDING = "write.behind.pending";
    public static final String WRITE_BEHIND_LAG = "write.behind.lag";
    public static final String WRITE_BEHIND_FLUSH_LAG = "write.behind.flush.lag";
    public static final String WRITE_BEHIND_FLUSHED = "write.behind.flushed";
    public static final String WRITE_BEHIND_COALESCED = "write.behind.coalesced";
    public static final String WRITE_BEHIND_RETRIES = "write.behind.retries";
    public static final String WRITE_BEHIND_DEAD_LETTERS = "write.behind.dead.letters";
    /** Dirty values found gone from Redis at their flush: acknowledged writes that Redis lost. */
    public static final String WRITE_BEHIND_LOST = "write.behind.lost";
    public static final String WRITE_FAILURES = "cache.write.failures";
    public static final String REPAIRS_PENDING = "cache.repairs.pending";
    public static final String BREAKER_STATE = "cache.redis.breaker.state";
    /** 1 while reads bypass Redis because invalidations may be undelivered (see InvalidationFence). */
    public static final String FENCE_RAISED = "cache.invalidation.fence.raised";
    public static final String REFRESHES = "refresh.ahead.refreshes";
    public static final String REFRESH_FAILURES = "refresh.ahead.refresh.failures";
    public static final String ENTRY_AGE = "refresh.ahead.entry.age";
    /** Invalidations delivered from the outbox, by {@code path}: {@code commit} (the writer) or {@code relay}. */
    public static final String OUTBOX_DELIVERED = "cache.outbox.delivered";
    /** Invalidations their writer could not deliver after the commit, left to the relay. */
    public static final String OUTBOX_DEFERRED = "cache.outbox.deferred";
    public static final String OUTBOX_DELIVERY_FAILURES = "cache.outbox.delivery.failures";
    /** Due rows the relay saw in its last poll, and the age of the oldest: a backlog means Redis is unreachable. */
    public static final String OUTBOX_BACKLOG = "cache.outbox.backlog";
    public static final String OUTBOX_OLDEST = "cache.outbox.oldest.seconds";

    private final MeterRegistry registry;
    private final Tracer tracer;
    private final boolean tracing;

    /** @param tracingOff the SDK is off (no OTLP endpoint): spans are not even started, the hot path pays nothing */
    public CacheMetrics(MeterRegistry registry, Tracer tracer,
                        @ConfigProperty(name = "quarkus.otel.sdk.disabled", defaultValue = "false") boolean tracingOff) {
        this.registry = registry;
        this.tracer = tracer;
        this.tracing = !tracingOff;
    }

    /** The trace spans of one cache, tagged like its meters. */
    public CacheSpans spans(String cache, String pattern) {
        return new CacheSpans(tracing ? tracer : null, cache, pattern);
    }

    public MeterRegistry registry() {
        return registry;
    }

    /** The meters of one cache, registered once so that the hot path only increments. */
    public Meters forCache(String cache, String pattern, Duration loadTimeout) {
        Tags tags = Tags.of("cache", cache, "pattern", pattern);
        return new Meters(cache, loadTimeout, spans(cache, pattern),
                registry.counter(GETS, tags.and("result", "hit")),
                registry.counter(GETS, tags.and("result", "miss")),
                Timer.builder(LOAD).tags(tags).publishPercentileHistogram().register(registry),
                registry.counter(LOAD_FAILURES, tags),
                registry.counter(STALE_SETS_REJECTED, tags),
                registry.counter(DEGRADED, tags),
                registry.counter(LEASE_WAIT_TIMEOUTS, tags),
                registry.counter(INVALIDATIONS, tags),
                registry.counter(INVALIDATION_FAILURES, tags),
                registry.counter(STALE_SERVED, tags));
    }

    /** The meters of a cache that writes: write latency (database and cache together) and cache writes that failed. */
    public WriteMeters forWrites(String cache, String pattern, java.util.function.Supplier<Number> pendingRepairs) {
        Tags tags = Tags.of("cache", cache, "pattern", pattern);
        io.micrometer.core.instrument.Gauge.builder(REPAIRS_PENDING, pendingRepairs).tags(tags).register(registry);
        return new WriteMeters(
                Timer.builder(WRITE).tags(tags).publishPercentileHistogram().register(registry),
                registry.counter(WRITE_FAILURES, tags));
    }

    /** The meters a refresh-ahead cache adds to {@link #forCache}'s. */
    public RefreshMeters forRefreshes(String cache, String pattern) {
        Tags tags = Tags.of("cache", cache, "pattern", pattern);
        return new RefreshMeters(
                registry.counter(REFRESHES, tags.and("trigger", "read")),
                registry.counter(REFRESHES, tags.and("trigger", "schedule")),
                registry.counter(REFRESHES, tags.and("trigger", "early")),
                registry.counter(REFRESH_FAILURES, tags),
                Timer.builder(ENTRY_AGE).tags(tags).publishPercentileHistogram().register(registry));
    }

    /**
     * @param byRead     background reloads started by a read that found an entry past its refresh point
     * @param bySchedule reloads of hot keys started by the schedule, with or without reads
     * @param early      reloads started early by XFetch's coin
     * @param failures   reloads that failed; the current value stays and is served (stale once past its TTL)
     * @param entryAge   how old entries are when read
     */
    public record RefreshMeters(Counter byRead, Counter bySchedule, Counter early, Counter failures, Timer entryAge) {
    }

    /**
     * @param writeFailures cache writes that failed after the database committed (then repaired: see
     *                      {@link io.cachepatterns.shared.core.PendingRepairs}; pending ones are
     *                      {@code cache.repairs.pending})
     */
    public record WriteMeters(Timer write, Counter writeFailures) {
    }

    /**
     * @param degraded          reads and writes that skipped Redis because it failed or its breaker was open
     * @param leaseWaitTimeouts misses that waited for another instance's load in vain and loaded themselves
     * @param staleServed       values past their TTL served because a reload failed or was under way elsewhere
     */
    public record Meters(String cache, Duration loadTimeout, CacheSpans spans, Counter hits, Counter misses, Timer load, Counter loadFailures, Counter staleSetsRejected,
                         Counter degraded, Counter leaseWaitTimeouts, Counter invalidations,
                         Counter invalidationFailures, Counter staleServed) {

        /**
         * Runs a loader, recording how long it took and whether it failed; one that takes longer than
         * {@code loadTimeout} fails as a 503 problem.
         */
        public <T> Uni<T> timedLoad(Supplier<Uni<T>> loader) {
            long start = System.nanoTime();
            return spans.around("cache.load", loader)
                    .ifNoItem().after(loadTimeout).failWith(() -> ProblemException.unavailable("cache " + cache
                            + ": the source did not answer within " + loadTimeout.toMillis() + " ms; try again shortly"))
                    .onItemOrFailure().invoke((value, failure) -> {
                        load.record(Duration.ofNanos(System.nanoTime() - start));
                        if (failure != null) {
                            loadFailures.increment();
                        }
                    });
        }
    }
}
