package io.cachepatterns.shared.patterns;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.cachepatterns.shared.core.RedisStore.PubSubSubscription;
import io.cachepatterns.shared.invalidation.ChangeChannel;
import io.cachepatterns.shared.invalidation.InvalidationTarget;
import io.cachepatterns.shared.metrics.CacheMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Tags;
import io.smallrye.mutiny.Uni;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.Supplier;

/**
 * A two-level cache for values read on nearly every request: an in-process level (L1, Caffeine, bounded, short
 * TTL) in front of a {@link CacheAside} in Redis (L2). A write invalidates L2 and publishes the id on a Redis channel;
 * every instance drops its L1 entry when the message arrives.
 *
 * <p><b>Trade-off.</b> An L1 hit costs no network at all; in exchange an instance may serve a value that another
 * instance has just changed, until the invalidation message arrives (typically well under a millisecond on a LAN).
 *
 * <p><b>Guarantees.</b>
 * <ul>
 *   <li>Staleness is bounded by the L1 TTL in every case, even if a message is lost silently.</li>
 *   <li>When the subscription drops, L1 is cleared and bypassed until it is back: messages published meanwhile
 *       are lost, so nothing cached before the drop can be trusted.</li>
 *   <li>An invalidation that races an L1 fill wins: each id has a generation, raised by every invalidation, and a
 *       fill that started under an older generation removes what it put. A read that starts after an invalidation
 *       (made here or heard of) never joins an L2 load that started before it.</li>
 * </ul>
 * L2 has cache-aside's guarantees; nothing is lost, the database holds every value.
 */
public class NearCache<T> implements InvalidationTarget {

    public static final String PATTERN = "near-cache";

    private static final int GENERATION_STRIPES = 1024;

    private final String name;
    private final CacheAside<T> l2;
    private final ChangeChannel invalidations;
    private final Cache<String, Entry<T>> l1;
    /** Generations by hash stripe: bounded memory; two ids sharing a stripe only cost an extra L1 miss. */
    private final AtomicLongArray generations = new AtomicLongArray(GENERATION_STRIPES);
    private final AtomicLong epoch = new AtomicLong();
    private final PubSubSubscription subscription;
    private final Counter l1Hits;
    private final Counter l1Misses;
    private final Counter invalidationsReceived;
    private final Counter subscriptionLosses;

    /** The L1 holds a value or "none", so that a known absence is an L1 hit too. */
    private record Entry<T>(T value) {
    }

    public NearCache(String name, CacheAside<T> l2, ChangeChannel invalidations, Duration l1Ttl, long l1MaxSize,
                     CacheMetrics metrics) {
        this.name = name;
        this.l2 = l2;
        this.invalidations = invalidations;
        this.l1 = Caffeine.newBuilder().expireAfterWrite(l1Ttl).maximumSize(l1MaxSize).build();
        Tags tags = Tags.of("cache", name, "pattern", PATTERN);
        this.l1Hits = metrics.registry().counter(CacheMetrics.L1_GETS, tags.and("result", "hit"));
        this.l1Misses = metrics.registry().counter(CacheMetrics.L1_GETS, tags.and("result", "miss"));
        this.invalidationsReceived = metrics.registry().counter(CacheMetrics.INVALIDATIONS_RECEIVED, tags);
        this.subscriptionLosses = metrics.registry().counter(CacheMetrics.SUBSCRIPTION_LOSSES, tags);
        this.subscription = invalidations.subscribe(this::invalidatedElsewhere, this::subscriptionLost);
        Gauge.builder(CacheMetrics.SUBSCRIPTION_UP, subscription, s -> s.isUp() ? 1 : 0).tags(tags)
                .register(metrics.registry());
    }

    /** The value of {@code id}: from L1, else from L2 (loading on a miss), then kept in L1. */
    public Uni<T> get(String id, Supplier<Uni<T>> loader) {
        boolean trusted = subscription.isUp();
        if (trusted) {
            Entry<T> entry = l1.getIfPresent(id);
            if (entry != null) {
                l1Hits.increment();
                return Uni.createFrom().item(entry.value());
            }
        }
        l1Misses.increment();
        long generation = generationOf(id);
        long epochAtStart = epoch.get();
        return l2.get(id, loader).invoke(value -> {
            if (trusted && subscription.isUp()) {
                keep(id, new Entry<>(value), generation, epochAtStart);
            }
        });
    }

    /**
     * Removes {@code id} everywhere: from Redis, from this instance's L1, and (by a published message) from every
     * other instance's L1. Call it after the database transaction commits.
     */
    public Uni<Void> invalidate(String id) {
        dropLocally(id);
        // Neither step fails: a lost message leaves other instances' copies until their L1 TTL ends.
        return l2.invalidate(id).flatMap(ignored -> invalidations.publish(id));
    }

    @Override
    public String targetName() {
        return name;
    }

    /** {@link #invalidate}, but failing when Redis did not take it: for the outbox, which tries again. */
    @Override
    public Uni<Void> deliver(String id) {
        dropLocally(id);
        return l2.deliver(id).call(() -> invalidations.deliver(id));
    }

    /** Whether invalidation messages are arriving; while not, L1 is bypassed. */
    public boolean subscribed() {
        return subscription.isUp();
    }

    public void close() {
        subscription.close();
    }

    private void keep(String id, Entry<T> entry, long generation, long epochAtStart) {
        if (generationOf(id) != generation || epoch.get() != epochAtStart) {
            return; // invalidated while we read L2
        }
        l1.put(id, entry);
        // An invalidation may have landed between the check and the put: if so, take back what we put.
        if (generationOf(id) != generation || epoch.get() != epochAtStart) {
            l1.asMap().remove(id, entry);
        }
    }

    private void invalidatedElsewhere(String id) {
        invalidationsReceived.increment();
        dropLocally(id);
        l2.detachLoads(id); // a read from now on must not join a load that began before the change
    }

    private void dropLocally(String id) {
        generations.incrementAndGet(stripe(id));
        l1.invalidate(id);
    }

    private void subscriptionLost() {
        subscriptionLosses.increment();
        epoch.incrementAndGet();
        l1.invalidateAll();
        l2.detachAllLoads();
    }

    private long generationOf(String id) {
        return generations.get(stripe(id));
    }

    private static int stripe(String id) {
        return Math.floorMod(id.hashCode(), GENERATION_STRIPES);
    }
}
