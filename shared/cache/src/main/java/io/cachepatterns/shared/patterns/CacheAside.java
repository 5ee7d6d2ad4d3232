package io.cachepatterns.shared.patterns;

import io.cachepatterns.shared.core.CacheSettings;
import io.cachepatterns.shared.core.Detached;
import io.cachepatterns.shared.core.KeySpace;
import io.cachepatterns.shared.core.RedisStore;
import io.cachepatterns.shared.core.ValueCodec;
import io.cachepatterns.shared.core.VertxContexts;
import io.cachepatterns.shared.invalidation.InvalidationTarget;
import io.cachepatterns.shared.metrics.CacheMetrics;
import io.cachepatterns.shared.patterns.CacheRead.Source;
import io.cachepatterns.shared.stampede.Lease;
import io.cachepatterns.shared.stampede.SingleFlight;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.mutiny.core.buffer.Buffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * Cache-aside: the caller reads the cache and, on a miss, the loader fills it.
 *
 * <p><b>Trade-off.</b> Reads after the first are served from Redis; writes go to the database only, and the writer
 * calls {@link #invalidate} <em>after</em> its transaction commits. Between the commit and the invalidation a reader
 * can still get the old value, and if an invalidation cannot reach Redis the old value can live until its TTL ends:
 * staleness is bounded by the TTL.
 *
 * <p><b>Guarantees.</b>
 * <ul>
 *   <li>No stale set: a load that read the database before a write committed cannot write its old value back after
 *       the invalidation (the write-back needs a {@link Lease} that the invalidation deletes).</li>
 *   <li>No stampede: concurrent misses of one key share one load per instance ({@link SingleFlight}) and, across
 *       instances, one instance loads while the others wait up to {@code leaseWait} for its value. The lease is
 *       taken only if the value is still missing, so a burst that missed just before a fill does not load again
 *       just after it.</li>
 *   <li>Redis is optional: when it fails or its breaker is open, reads go to the loader (counted as degraded),
 *       still one load per key per instance, and caching resumes by itself when Redis is back.</li>
 *   <li>A read never joins a load that started before an invalidation of its key ({@link #invalidate},
 *       {@link #detachLoads}): it could hand out the value the invalidation removed.</li>
 *   <li>A caller that gives up (a cancelled request) fails no one else and leaves no load, lease or waiter
 *       behind: shared loads run to their end on the flight's behalf ({@link SingleFlight}).</li>
 * </ul>
 * With {@code stale-grace} set (stale-if-error), a value outlives its TTL by that grace period: past its TTL a read
 * reloads it, and if the reload fails (or another instance is reloading it), the old value is served, marked
 * {@link Source#STALE}. Staleness is then bounded by TTL + grace.
 *
 * <p>Nothing is ever lost: the database holds every value; the cache holds copies.
 */
public class CacheAside<T> implements InvalidationTarget {

    public static final String PATTERN = "cache-aside";

    private static final Logger LOG = Logger.getLogger(CacheAside.class);
    private static final Duration FILL_POLL = Duration.ofMillis(20);
    private static final int INVALIDATION_ATTEMPTS = 3;

    private final String name;
    private final KeySpace keys;
    private final ValueCodec<T> codec;
    private final CacheSettings settings;
    private final RedisStore store;
    private final Lease lease;
    private final CacheMetrics.Meters meters;
    private final Function<T, Duration> lifetime;
    private final SingleFlight<CacheRead<T>> singleFlight = new SingleFlight<>();

    public CacheAside(String name, KeySpace keys, ValueCodec<T> codec, CacheSettings settings, RedisStore store,
                      CacheMetrics metrics) {
        this(name, keys, codec, settings, store, metrics, null);
    }

    /**
     * @param lifetime how long a value may live at most, from the value itself (a session's remaining lifetime);
     *                 the entry's TTL is the shorter of this and the cache's TTL. {@code null}: the cache's TTL.
     */
    public CacheAside(String name, KeySpace keys, ValueCodec<T> codec, CacheSettings settings, RedisStore store,
                      CacheMetrics metrics, Function<T, Duration> lifetime) {
        this(name, keys, codec, settings, store, metrics, lifetime, PATTERN);
    }

    /** For patterns built on this one ({@link ReadThrough}): the meters carry their pattern's name. */
    CacheAside(String name, KeySpace keys, ValueCodec<T> codec, CacheSettings settings, RedisStore store,
               CacheMetrics metrics, Function<T, Duration> lifetime, String pattern) {
        this.name = name;
        this.keys = keys;
        this.codec = codec;
        this.settings = settings;
        this.store = store;
        this.lease = new Lease(store);
        this.meters = metrics.forCache(name, pattern, settings.loadTimeout());
        this.lifetime = lifetime;
    }

    public String name() {
        return name;
    }

    public ValueCodec<T> codec() {
        return codec;
    }

    /** The value of {@code id}: cached, or loaded and cached; {@code null} if the loader finds nothing. */
    public Uni<T> get(String id, Supplier<Uni<T>> loader) {
        return read(id, loader).map(CacheRead::value);
    }

    /**
     * Like {@link #get}, but says where the value came from and keeps its encoded bytes, so that a REST resource can
     * send a hit on without decoding it.
     */
    public Uni<CacheRead<T>> read(String id, Supplier<Uni<T>> loader) {
        return meters.spans().around("cache.get", () -> untracedRead(id, loader), CacheRead::result);
    }

    /**
     * Like {@link #get}, for a read made on behalf of another instance that missed the same entry and fills it
     * itself (profile-service answering another service's session check: that service holds the entry's lease). A
     * miss neither takes the lease nor fills, so it never waits out {@code leaseWait} for the asker's own lease, and
     * the asker's fill stays the one guarded against stale sets. Concurrent misses of one key on this instance still
     * share one load ({@link SingleFlight}); Redis down reads the loader, as {@link #get} does.
     */
    public Uni<T> getWithoutFilling(String id, Supplier<Uni<T>> loader) {
        if (settings.servesStale()) {
            return get(id, loader); // stale-if-error needs the reader's own fills
        }
        return meters.spans().around("cache.get", () -> untracedRead(id, loader, (key, context) -> singleFlight.run(
                key, () -> loadWithoutFilling(context, loader, Source.MISS))), CacheRead::result)
                .map(CacheRead::value);
    }

    private Uni<CacheRead<T>> untracedRead(String id, Supplier<Uni<T>> loader) {
        if (settings.servesStale() && settings.enabled()) {
            return readServingStale(id, keys.dataKey(id), VertxContexts.current(), loader);
        }
        return untracedRead(id, loader,
                (key, context) -> singleFlight.run(key, () -> loadUnderLease(id, context, loader)));
    }

    /** Redis first; a hit is served as it is, a miss goes to {@code onMiss} (with the key and the caller's context). */
    private Uni<CacheRead<T>> untracedRead(String id, Supplier<Uni<T>> loader,
                                           BiFunction<String, Context, Uni<CacheRead<T>>> onMiss) {
        if (!settings.enabled()) {
            return meters.timedLoad(loader).map(value -> CacheRead.loaded(Source.BYPASS, value, codec));
        }
        String key = keys.dataKey(id);
        Context context = VertxContexts.current();
        return store.get(key)
                .onItemOrFailure().transformToUni((cached, failure) -> {
                    if (failure != null) {
                        return singleFlight.run(key, () -> degraded(context, loader, failure));
                    }
                    if (cached != null) {
                        meters.hits().increment();
                        return Uni.createFrom().item(fromCache(cached));
                    }
                    meters.misses().increment();
                    return onMiss.apply(key, context);
                });
    }

    /**
     * The values of {@code ids} that exist, in the order asked: hits from Redis, and every miss loaded by <em>one</em>
     * call of {@code bulkLoader}, which returns the values it found (an id it leaves out does not exist).
     *
     * <p>Each miss is written back under its own lease, so the no-stale-set guarantee holds id by id. One difference
     * from {@link #read}: a miss whose lease another instance holds is loaded here too (and not cached) rather than
     * waited for, so that one slow key never holds up a whole page.
     */
    public Uni<Map<String, T>> getAll(Collection<String> ids, Function<Set<String>, Uni<Map<String, T>>> bulkLoader) {
        List<String> distinct = ids.stream().distinct().toList();
        if (distinct.isEmpty()) {
            return Uni.createFrom().item(Map.of());
        }
        if (!settings.enabled()) {
            return meters.timedLoad(() -> bulkLoader.apply(new LinkedHashSet<>(distinct)))
                    .map(loaded -> inOrder(distinct, loaded));
        }
        Context context = VertxContexts.current();
        // One GET per key, not one MGET: the keys carry different hash tags, and the client pipelines them anyway.
        List<Uni<Lookup>> lookups = distinct.stream().map(id -> store.get(keys.dataKey(id))
                .map(cached -> new Lookup(id, cached, false))
                .onFailure().recoverWithItem(() -> new Lookup(id, null, true))).toList();
        return Uni.join().all(lookups).andFailFast().flatMap(found -> {
            Map<String, T> values = new HashMap<>();
            List<Lookup> missing = new ArrayList<>();
            for (Lookup lookup : found) {
                if (lookup.failed()) {
                    meters.degraded().increment();
                    missing.add(lookup);
                } else if (lookup.cached() == null) {
                    meters.misses().increment();
                    missing.add(lookup);
                } else {
                    meters.hits().increment();
                    T value = fromCache(lookup.cached()).value();
                    if (value != null) {
                        values.put(lookup.id(), value);
                    }
                }
            }
            if (missing.isEmpty()) {
                return Uni.createFrom().item(inOrder(distinct, values));
            }
            // Detached: leases are taken for the misses; a caller that gives up must not leave them to expire.
            return Detached.run(() -> loadMissing(missing, context, bulkLoader)).map(loaded -> {
                values.putAll(loaded);
                return inOrder(distinct, values);
            });
        });
    }

    private record Lookup(String id, Buffer cached, boolean failed) {
    }

    /** Takes a lease for each miss Redis answered, loads all misses in one call, writes back those it holds. */
    private Uni<Map<String, T>> loadMissing(List<Lookup> missing, Context context,
                                           Function<Set<String>, Uni<Map<String, T>>> bulkLoader) {
        List<Uni<String>> leases = missing.stream()
                .map(lookup -> lookup.failed()
                        ? Uni.createFrom().<String>nullItem()
                        : lease.tryAcquire(keys.leaseKey(lookup.id()), settings.leaseTime())
                                .onFailure().recoverWithNull())
                .toList();
        return Uni.join().all(leases).andFailFast().flatMap(tokens -> {
            Set<String> toLoad = new LinkedHashSet<>();
            missing.forEach(lookup -> toLoad.add(lookup.id()));
            return VertxContexts.runOn(context, () -> meters.timedLoad(() -> bulkLoader.apply(toLoad)))
                    .onFailure().call(() -> releaseAll(missing, tokens))
                    .flatMap(loaded -> {
                        List<Uni<CacheRead<T>>> fills = new ArrayList<>();
                        for (int i = 0; i < missing.size(); i++) {
                            if (tokens.get(i) != null) {
                                String id = missing.get(i).id();
                                fills.add(fill(id, tokens.get(i), loaded.get(id)));
                            }
                        }
                        Uni<?> written = fills.isEmpty()
                                ? Uni.createFrom().voidItem()
                                : Uni.join().all(fills).andCollectFailures();
                        return written.replaceWith(loaded);
                    });
        });
    }

    private Uni<Void> releaseAll(List<Lookup> missing, List<String> tokens) {
        List<Uni<Void>> releases = new ArrayList<>();
        for (int i = 0; i < missing.size(); i++) {
            if (tokens.get(i) != null) {
                releases.add(lease.release(keys.leaseKey(missing.get(i).id()), tokens.get(i)));
            }
        }
        return releases.isEmpty() ? Uni.createFrom().voidItem() : Uni.join().all(releases).andCollectFailures()
                .replaceWithVoid();
    }

    private static <T> Map<String, T> inOrder(List<String> ids, Map<String, T> values) {
        Map<String, T> ordered = new LinkedHashMap<>();
        for (String id : ids) {
            T value = values == null ? null : values.get(id);
            if (value != null) {
                ordered.put(id, value);
            }
        }
        return ordered;
    }

    /**
     * Removes the cached value of {@code id} and voids any load under way. Call it after the database transaction
     * commits, never before: before, a concurrent reader could cache the old row again.
     *
     * <p>Never fails: the write it follows has committed and must be acknowledged. An invalidation that cannot reach
     * Redis is retried a few times, then counted; the old value then lives at most until its TTL ends.
     */
    public Uni<Void> invalidate(String id) {
        return retriedAndLogged(deliver(id), meters, name, id);
    }

    @Override
    public String targetName() {
        return name;
    }

    /** {@link #invalidate}, but failing when Redis did not take it: for the outbox, which tries again. */
    @Override
    public Uni<Void> deliver(String id) {
        if (!settings.enabled()) {
            return Uni.createFrom().voidItem();
        }
        detachLoads(id);
        return store.delete(entryKeys(id)).invoke(() -> meters.invalidations().increment()).replaceWithVoid();
    }

    private List<String> entryKeys(String id) {
        return settings.servesStale()
                ? List.of(keys.dataKey(id), keys.leaseKey(id), keys.freshKey(id))
                : List.of(keys.dataKey(id), keys.leaseKey(id));
    }

    /**
     * Reads of {@code id} from now on start a load of their own instead of joining one under way, which may have
     * read the database before a change. {@link #invalidate} does this; a listener that hears of a change made
     * elsewhere (the near cache) calls it directly.
     */
    public void detachLoads(String id) {
        singleFlight.forget(keys.dataKey(id));
    }

    /** {@link #detachLoads} for every key: after a gap in which invalidations may have been missed. */
    public void detachAllLoads() {
        singleFlight.forgetAll();
    }

    /**
     * An invalidation's {@link #deliver delivery}, retried a few times and never failing: an entry that could not
     * be deleted lives until its TTL ends, and that is counted and logged. Shared by the patterns that invalidate.
     */
    static Uni<Void> retriedAndLogged(Uni<Void> delivery, CacheMetrics.Meters meters, String cache, String id) {
        return delivery
                .onFailure().retry().withBackOff(Duration.ofMillis(50)).atMost(INVALIDATION_ATTEMPTS - 1)
                .onFailure().recoverWithItem(failure -> {
                    meters.invalidationFailures().increment();
                    LOG.warnf("cache %s: invalidation of %s failed, the old value may live until its TTL: %s",
                            cache, id, failure.toString());
                    return null;
                });
    }

    private Uni<CacheRead<T>> loadUnderLease(String id, Context context, Supplier<Uni<T>> loader) {
        String leaseKey = keys.leaseKey(id);
        return lease.tryAcquireUnlessFilled(keys.dataKey(id), leaseKey, null, settings.leaseTime())
                .onItemOrFailure().transformToUni((attempt, failure) -> {
                    if (failure != null) {
                        return degraded(context, loader, failure);
                    }
                    if (attempt.value() != null) {
                        return Uni.createFrom().item(fromCache(attempt.value())); // filled since our miss
                    }
                    String token = attempt.token();
                    if (token == null) {
                        return waitForOtherLoad(id, context, loader);
                    }
                    return VertxContexts.runOn(context, () -> meters.timedLoad(loader))
                            .onFailure().call(() -> lease.release(leaseKey, token))
                            .flatMap(value -> fill(id, token, value));
                });
    }

    private Uni<CacheRead<T>> fill(String id, String token, T value) {
        CacheRead<T> read = CacheRead.loaded(Source.MISS, value, codec);
        // Absence when absence is not cached (zero TTL), or a value already past its lifetime: nothing to cache.
        Duration ttl = value == null ? settings.absentTtl() : ttlOf(value);
        if (ttl.isNegative() || ttl.isZero()) {
            return lease.release(keys.leaseKey(id), token).replaceWith(read);
        }
        Buffer bytes = value == null ? Buffer.buffer() : read.encoded();
        Uni<Boolean> filled = settings.servesStale()
                ? lease.fill(keys.dataKey(id), keys.leaseKey(id), keys.freshKey(id), token, bytes,
                        ttl.plus(settings.staleGrace()), ttl)
                : lease.fill(keys.dataKey(id), keys.leaseKey(id), token, bytes, ttl);
        return filled
                .onItemOrFailure().transform((written, failure) -> {
                    if (failure != null) {
                        meters.degraded().increment();
                    } else if (!written) {
                        // Invalidated (or the lease expired) while we loaded: our value may be older than the
                        // database's, so it must not be cached. The caller still gets it: it was true when read.
                        meters.staleSetsRejected().increment();
                    }
                    return read;
                });
    }

    private Duration ttlOf(T value) {
        Duration ttl = settings.ttlWithJitter();
        if (lifetime == null) {
            return ttl;
        }
        Duration left = lifetime.apply(value);
        return left.compareTo(ttl) < 0 ? left : ttl;
    }

    /** Stale-if-error: one MGET reads the value and whether it is still fresh. */
    private Uni<CacheRead<T>> readServingStale(String id, String key, Context context, Supplier<Uni<T>> loader) {
        return store.mget(List.of(key, keys.freshKey(id)))
                .onItemOrFailure().transformToUni((values, failure) -> {
                    if (failure != null) {
                        return singleFlight.run(key, () -> degraded(context, loader, failure));
                    }
                    Buffer cached = values.get(0);
                    if (cached != null && values.get(1) != null) {
                        meters.hits().increment();
                        return Uni.createFrom().item(fromCache(cached));
                    }
                    meters.misses().increment();
                    if (cached == null) {
                        return singleFlight.run(key, () -> loadUnderLease(id, context, loader));
                    }
                    return singleFlight.run(key, () -> reloadOrServeStale(id, context, loader, cached));
                });
    }

    /** Past its TTL: reload under the lease; serve the old value if that fails or someone else is reloading. */
    private Uni<CacheRead<T>> reloadOrServeStale(String id, Context context, Supplier<Uni<T>> loader, Buffer stale) {
        String leaseKey = keys.leaseKey(id);
        return lease.tryAcquireUnlessFilled(keys.dataKey(id), leaseKey, keys.freshKey(id), settings.leaseTime())
                .onItemOrFailure().transformToUni((attempt, failure) -> {
                    if (failure == null && attempt.value() != null) {
                        return Uni.createFrom().item(fromCache(attempt.value())); // reloaded since our miss
                    }
                    String token = failure == null ? attempt.token() : null;
                    if (token == null) {
                        return Uni.createFrom().item(serveStale(stale));
                    }
                    return VertxContexts.runOn(context, () -> meters.timedLoad(loader))
                            .onFailure().call(() -> lease.release(leaseKey, token))
                            .flatMap(value -> fill(id, token, value))
                            .onFailure().recoverWithItem(reloadFailure -> {
                                LOG.infof("cache %s: reloading %s failed (%s); serving the stale value", name, id,
                                        reloadFailure.toString());
                                return serveStale(stale);
                            });
                });
    }

    private CacheRead<T> serveStale(Buffer stale) {
        meters.staleServed().increment();
        return stale.length() == 0 ? CacheRead.loaded(Source.STALE, null, null, codec) : CacheRead.stale(stale, codec);
    }

    /** Another instance holds the lease: take its value when it lands, or load without caching after leaseWait. */
    private Uni<CacheRead<T>> waitForOtherLoad(String id, Context context, Supplier<Uni<T>> loader) {
        long deadline = System.nanoTime() + settings.leaseWait().toNanos();
        return meters.spans().around("cache.lease.wait", () -> pollForFill(keys.dataKey(id), context, deadline))
                .flatMap(cached -> {
                    if (cached != null) {
                        return Uni.createFrom().item(fromCache(cached));
                    }
                    meters.leaseWaitTimeouts().increment();
                    return loadWithoutFilling(context, loader, Source.MISS);
                });
    }

    private Uni<Buffer> pollForFill(String key, Context context, long deadline) {
        if (System.nanoTime() >= deadline) {
            return Uni.createFrom().nullItem();
        }
        return VertxContexts.sleep(context, FILL_POLL)
                .flatMap(ignored -> store.get(key))
                .onFailure().recoverWithNull()
                .flatMap(cached -> cached != null
                        ? Uni.createFrom().item(cached)
                        : pollForFill(key, context, deadline));
    }

    private Uni<CacheRead<T>> degraded(Context context, Supplier<Uni<T>> loader, Throwable failure) {
        meters.degraded().increment();
        LOG.debugf("cache %s: Redis unavailable (%s), reading from the loader", name, failure.toString());
        return loadWithoutFilling(context, loader, Source.DEGRADED);
    }

    /** The loader on the caller's context, bounded by the load timeout; nothing is written to Redis. */
    private Uni<CacheRead<T>> loadWithoutFilling(Context context, Supplier<Uni<T>> loader, Source source) {
        return VertxContexts.runOn(context, () -> meters.timedLoad(loader))
                .map(value -> CacheRead.loaded(source, value, codec));
    }


    private CacheRead<T> fromCache(Buffer cached) {
        // A zero-length value is the marker for "the loader found nothing" (JSON is never empty).
        return cached.length() == 0 ? CacheRead.loaded(Source.HIT, null, null, codec) : CacheRead.cached(cached, codec);
    }

}
