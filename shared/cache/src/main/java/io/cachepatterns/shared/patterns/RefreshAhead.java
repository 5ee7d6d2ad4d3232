package io.cachepatterns.shared.patterns;

import io.cachepatterns.shared.core.CacheSettings;
import io.cachepatterns.shared.core.KeySpace;
import io.cachepatterns.shared.core.LuaScript;
import io.cachepatterns.shared.core.RedisStore;
import io.cachepatterns.shared.core.ValueCodec;
import io.cachepatterns.shared.core.VertxContexts;
import io.cachepatterns.shared.invalidation.InvalidationTarget;
import io.cachepatterns.shared.metrics.CacheMetrics;
import io.cachepatterns.shared.patterns.CacheRead.Source;
import io.cachepatterns.shared.stampede.Lease;
import io.cachepatterns.shared.stampede.SingleFlight;
import io.smallrye.common.vertx.VertxContext;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.mutiny.core.buffer.Buffer;
import io.vertx.mutiny.redis.client.Response;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.jboss.logging.Logger;

/**
 * Refresh-ahead: entries are reloaded in the background before they expire, so readers of a hot key never wait for
 * a load once it is cached.
 *
 * <p><b>Trade-off.</b> Freshness is bought with loads nobody waited for: a read that finds an entry older than
 * {@code refresh-factor × TTL} returns it at once and starts one background reload, and keys {@linkplain #keepHot
 * kept hot} are reloaded on a schedule even when nobody reads them. A value is at most one TTL old while reloads
 * succeed. Keys that are neither read nor hot expire as in cache-aside, and their next read waits for a load.
 *
 * <p><b>Guarantees.</b>
 * <ul>
 *   <li>One reload of a key at a time across all instances (a Redis {@link Lease}); first loads of a cold key are
 *       shared per instance ({@link SingleFlight}) and across instances (the lease, with a bounded wait).</li>
 *   <li>An invalidation that arrives while a reload runs wins: the reload's write needs the lease, which the
 *       invalidation deletes.</li>
 *   <li>A reload that fails keeps the current value, retried after {@code refresh-retry-delay}; past its TTL that
 *       value is served marked {@link Source#STALE} for at most {@code stale-grace}, then it expires.</li>
 *   <li>Optional XFetch ({@code early-recompute-beta}): a read may reload early, with a probability that grows as
 *       expiry nears and with the last load's duration, to spread reloads of many keys.</li>
 *   <li>Redis down: reads go to the loader (one load per key per instance at a time) and are marked
 *       {@link Source#DEGRADED}.</li>
 * </ul>
 * Entry ages are measured on Redis' clock (lifetime minus remaining TTL), so instances need not agree on the time.
 */
public class RefreshAhead<T> implements InvalidationTarget {

    public static final String PATTERN = "refresh-ahead";

    private static final Logger LOG = Logger.getLogger(RefreshAhead.class);
    private static final LuaScript READ = LuaScript.load("/io/cachepatterns/shared/core/refresh-ahead-read.lua");
    private static final LuaScript FILL = LuaScript.load("/io/cachepatterns/shared/core/refresh-ahead-fill.lua");
    private static final Duration FILL_POLL = Duration.ofMillis(20);
    private static final Duration MIN_CHECK_INTERVAL = Duration.ofMillis(50);

    /** What started a reload; the {@code trigger} tag of the refresh counter. */
    public enum Trigger { READ, SCHEDULE, EARLY }

    /**
     * @param cache             TTL (how long a value is fresh), jitter, lease, and {@code staleGrace}: how long a value
     *                          may be served past its TTL while reloads fail
     * @param refreshFactor     the fraction of the TTL after which a value is reloaded in the background (0 < f ≤ 1)
     * @param earlyBeta         XFetch's β; 0: no probabilistic early reloads
     * @param checkInterval     how often hot keys are checked; zero: derived from the refresh window
     * @param retryDelay        how long after a failed reload the next may start
     */
    public record Settings(CacheSettings cache, double refreshFactor, double earlyBeta, Duration checkInterval,
                           Duration retryDelay) {

        public Settings {
            if (refreshFactor <= 0 || refreshFactor > 1) {
                throw new IllegalArgumentException("refresh-factor must be in (0, 1]");
            }
            if (earlyBeta < 0 || checkInterval.isNegative() || retryDelay.isNegative()) {
                throw new IllegalArgumentException("early-recompute-beta, check interval and retry delay must not "
                        + "be negative");
            }
        }

        /** The hot-key check interval: a quarter of the window between the refresh point and expiry. */
        public Duration hotCheckInterval() {
            if (!checkInterval.isZero()) {
                return checkInterval;
            }
            Duration window = Duration.ofMillis((long) (cache.ttl().toMillis() * (1 - refreshFactor)));
            Duration quarter = window.dividedBy(4);
            return quarter.compareTo(MIN_CHECK_INTERVAL) < 0 ? MIN_CHECK_INTERVAL : quarter;
        }
    }

    private final String name;
    private final KeySpace keys;
    private final ValueCodec<T> codec;
    private final Settings settings;
    private final RedisStore store;
    private final Lease lease;
    private final Vertx vertx;
    private final Function<String, Uni<T>> loader;
    private final CacheMetrics.Meters meters;
    private final CacheMetrics.RefreshMeters refreshMeters;
    private final SingleFlight<CacheRead<T>> firstLoads = new SingleFlight<>();
    private final Set<String> reloading = ConcurrentHashMap.newKeySet();
    private final Map<String, Long> retryNotBefore = new ConcurrentHashMap<>();
    private final Set<String> hot = ConcurrentHashMap.newKeySet();
    private volatile long hotTimer = -1;

    public RefreshAhead(String name, KeySpace keys, ValueCodec<T> codec, Settings settings, RedisStore store,
                        CacheMetrics metrics, Vertx vertx, Function<String, Uni<T>> loader) {
        this.name = name;
        this.keys = keys;
        this.codec = codec;
        this.settings = settings;
        this.store = store;
        this.lease = new Lease(store);
        this.vertx = vertx;
        this.loader = loader;
        this.meters = metrics.forCache(name, PATTERN, settings.cache().loadTimeout());
        this.refreshMeters = metrics.forRefreshes(name, PATTERN);
    }

    public String name() {
        return name;
    }

    /** The value of {@code id} and where it came from; waits for a load only when nothing is cached. */
    public Uni<CacheRead<T>> read(String id) {
        return meters.spans().around("cache.get", () -> untracedRead(id), CacheRead::result);
    }

    private Uni<CacheRead<T>> untracedRead(String id) {
        CacheSettings cache = settings.cache();
        if (!cache.enabled()) {
            return meters.timedLoad(() -> loader.apply(id)).map(value -> CacheRead.loaded(Source.BYPASS, value, codec));
        }
        String key = keys.dataKey(id);
        Context context = VertxContexts.current();
        return store.eval(READ, List.of(key), List.of("value"))
                .onItemOrFailure().transformToUni((entry, failure) -> {
                    if (failure != null) {
                        meters.degraded().increment();
                        return firstLoads.run(key, () -> loadWithoutCache(id, context, Source.DEGRADED));
                    }
                    if (entry == null) {
                        meters.misses().increment();
                        return firstLoads.run(key, () -> firstLoad(id, context));
                    }
                    return Uni.createFrom().item(serve(id, Entry.of(entry)));
                });
    }

    public Uni<T> get(String id) {
        return read(id).map(CacheRead::value);
    }

    /**
     * Keeps {@code id} loaded: from now on it is loaded, then reloaded on schedule before it expires, read or not,
     * and loaded again soon after an invalidation. Every instance may keep the same keys hot: the lease keeps
     * reloads to one at a time.
     */
    public void keepHot(String id) {
        keys.dataKey(id); // rejects an id that cannot be a key, now rather than on every check
        hot.add(id);
        start();
    }

    private synchronized void start() {
        if (hotTimer < 0) {
            hotTimer = vertx.setPeriodic(settings.hotCheckInterval().toMillis(), ignored -> checkHotKeys());
            checkHotKeys();
        }
    }

    /** Stops the hot keys' schedule (at shutdown: {@link Caches} calls it). */
    public synchronized void stop() {
        if (hotTimer >= 0) {
            vertx.cancelTimer(hotTimer);
            hotTimer = -1;
        }
    }

    /**
     * Removes {@code id}'s value and voids any reload under way, so that it cannot write back what it read before
     * the change. Never fails; if Redis cannot be reached, the old value lives at most until its lifetime ends.
     */
    public Uni<Void> invalidate(String id) {
        return CacheAside.retriedAndLogged(deliver(id), meters, name, id);
    }

    @Override
    public String targetName() {
        return name;
    }

    /** {@link #invalidate}, but failing when Redis did not take it: for the outbox, which tries again. */
    @Override
    public Uni<Void> deliver(String id) {
        forgetLocally(id);
        return store.delete(List.of(keys.dataKey(id), keys.leaseKey(id)))
                .invoke(() -> meters.invalidations().increment()).replaceWithVoid();
    }

    private void forgetLocally(String id) {
        retryNotBefore.remove(id);
        firstLoads.forget(keys.dataKey(id)); // a read from now on must not join a load that began before the change
    }

    /** A cached entry: serve it now, and start a reload in the background if it is due. */
    private CacheRead<T> serve(String id, Entry entry) {
        long age = entry.age();
        refreshMeters.entryAge().record(age, TimeUnit.MILLISECONDS);
        if (age >= entry.freshFor()) {
            // Past its TTL: reloads have been failing. Serve it, marked, and try again.
            meters.staleServed().increment();
            reloadInBackground(id, Trigger.READ, entry.fill());
            return CacheRead.stale(entry.value(), codec);
        }
        meters.hits().increment();
        if (age >= refreshPoint(entry.freshFor())) {
            reloadInBackground(id, Trigger.READ, entry.fill());
        } else if (settings.earlyBeta() > 0 && xfetchSaysReload(entry.freshFor() - age, entry.loadMillis())) {
            reloadInBackground(id, Trigger.EARLY, entry.fill());
        }
        return CacheRead.cached(entry.value(), codec);
    }

    private long refreshPoint(long freshFor) {
        return (long) (freshFor * settings.refreshFactor());
    }

    /** XFetch: reload when {@code −Δ·β·ln(u) ≥ time left}, u uniform in (0, 1]. */
    private boolean xfetchSaysReload(long millisLeft, long loadMillis) {
        double u = 1.0 - ThreadLocalRandom.current().nextDouble();
        return -loadMillis * settings.earlyBeta() * Math.log(u) >= millisLeft;
    }

    private void checkHotKeys() {
        for (String id : hot) {
            store.eval(READ, List.of(keys.dataKey(id)), List.of("meta"))
                    .subscribe().with(response -> {
                        Entry entry = response == null ? null : Entry.of(response);
                        if (entry == null) {
                            reloadInBackground(id, Trigger.SCHEDULE, null);
                        } else if (entry.age() >= refreshPoint(entry.freshFor())) {
                            reloadInBackground(id, Trigger.SCHEDULE, entry.fill());
                        }
                    }, failure -> LOG.debugf("cache %s: hot-key check of %s skipped: %s", name, id, failure));
        }
    }

    /**
     * Starts one reload of {@code id} unless one runs here or elsewhere, the last failed too recently, or the entry
     * was replaced since it was seen: {@code seenFill} is the token of the load that wrote the entry the trigger saw
     * ({@code null}: no entry). Without that check, a read that saw the old entry just before a reload landed would
     * start a second, needless reload.
     */
    private void reloadInBackground(String id, Trigger trigger, String seenFill) {
        Long notBefore = retryNotBefore.get(id);
        if (notBefore != null && System.nanoTime() < notBefore) {
            return;
        }
        if (!reloading.add(id)) {
            return;
        }
        String leaseKey = keys.leaseKey(id);
        lease.tryAcquire(leaseKey, settings.cache().leaseTime())
                .flatMap(token -> {
                    if (token == null) {
                        return Uni.createFrom().voidItem(); // another instance is reloading it
                    }
                    return store.eval(READ, List.of(keys.dataKey(id)), List.of("meta")).flatMap(current -> {
                        String currentFill = current == null ? null : Entry.of(current).fill();
                        if (!java.util.Objects.equals(currentFill, seenFill)) {
                            return lease.release(leaseKey, token); // reloaded since the trigger looked
                        }
                        counter(trigger).increment();
                        // A context of its own: the reload outlives the request (if any) that triggered it.
                        Context context = VertxContext.createNewDuplicatedContext(vertx.getOrCreateContext());
                        return VertxContexts.runOn(context, () -> timedLoad(id))
                                .onFailure().call(() -> lease.release(leaseKey, token))
                                .flatMap(loaded -> fill(id, token, loaded))
                                .invoke(() -> retryNotBefore.remove(id))
                                .replaceWithVoid();
                    });
                })
                .onTermination().invoke(() -> reloading.remove(id))
                .subscribe().with(ignored -> { }, failure -> {
                    refreshMeters.failures().increment();
                    retryNotBefore.put(id, System.nanoTime() + settings.retryDelay().toNanos());
                    LOG.infof("cache %s: reloading %s failed (%s); the current value stays", name, id,
                            failure.toString());
                });
    }

    private io.micrometer.core.instrument.Counter counter(Trigger trigger) {
        return switch (trigger) {
            case READ -> refreshMeters.byRead();
            case SCHEDULE -> refreshMeters.bySchedule();
            case EARLY -> refreshMeters.early();
        };
    }

    /** Nothing cached: load under the lease and fill, or wait briefly for the instance that holds it. */
    private Uni<CacheRead<T>> firstLoad(String id, Context context) {
        String leaseKey = keys.leaseKey(id);
        return lease.tryAcquire(leaseKey, settings.cache().leaseTime())
                .onItemOrFailure().transformToUni((token, failure) -> {
                    if (failure != null) {
                        meters.degraded().increment();
                        return loadWithoutCache(id, context, Source.DEGRADED);
                    }
                    if (token == null) {
                        return waitForOtherLoad(id, context);
                    }
                    // Look again: another instance's fill may have landed between our miss and our lease.
                    return store.eval(READ, List.of(keys.dataKey(id)), List.of("value")).flatMap(entry -> {
                        if (entry != null) {
                            return lease.release(leaseKey, token).replaceWith(serve(id, Entry.of(entry)));
                        }
                        return VertxContexts.runOn(context, () -> timedLoad(id))
                                .onFailure().call(() -> lease.release(leaseKey, token))
                                .flatMap(loaded -> fill(id, token, loaded));
                    }).onFailure().call(() -> lease.release(leaseKey, token));
                });
    }

    private Uni<CacheRead<T>> waitForOtherLoad(String id, Context context) {
        long deadline = System.nanoTime() + settings.cache().leaseWait().toNanos();
        return pollForFill(id, context, deadline).flatMap(entry -> {
            if (entry != null) {
                return Uni.createFrom().item(serve(id, entry));
            }
            meters.leaseWaitTimeouts().increment();
            return loadWithoutCache(id, context, Source.MISS);
        });
    }

    private Uni<Entry> pollForFill(String id, Context context, long deadline) {
        if (System.nanoTime() >= deadline) {
            return Uni.createFrom().nullItem();
        }
        return VertxContexts.sleep(context, FILL_POLL)
                .flatMap(ignored -> store.eval(READ, List.of(keys.dataKey(id)), List.of("value")))
                .map(entry -> entry == null ? null : Entry.of(entry))
                .onFailure().recoverWithNull()
                .flatMap(entry -> entry != null ? Uni.createFrom().item(entry) : pollForFill(id, context, deadline));
    }

    private Uni<CacheRead<T>> loadWithoutCache(String id, Context context, Source source) {
        return VertxContexts.runOn(context, () -> timedLoad(id))
                .map(loaded -> CacheRead.loaded(source, loaded.value(), codec));
    }

    private record Loaded<T>(T value, long millis) {
    }

    private Uni<Loaded<T>> timedLoad(String id) {
        long start = System.nanoTime();
        return meters.timedLoad(() -> loader.apply(id))
                .map(value -> new Loaded<>(value, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)));
    }

    /** Writes the loaded value if the lease is still ours; the caller gets the value either way. */
    private Uni<CacheRead<T>> fill(String id, String token, Loaded<T> loaded) {
        CacheRead<T> read = CacheRead.loaded(Source.MISS, loaded.value(), codec);
        if (loaded.value() == null) {
            // Nothing to keep: "absent" is not cached by refresh-ahead, a hot key that vanished simply reloads.
            return lease.release(keys.leaseKey(id), token).replaceWith(read);
        }
        Duration freshFor = settings.cache().ttlWithJitter();
        Duration lifetime = freshFor.plus(settings.cache().staleGrace());
        return store.eval(FILL, List.of(keys.dataKey(id), keys.leaseKey(id)),
                        List.of(token, read.encoded(), freshFor.toMillis(), loaded.millis(), lifetime.toMillis()))
                .onItemOrFailure().transform((written, failure) -> {
                    if (failure != null) {
                        meters.degraded().increment();
                    } else if (written.toLong() != 1L) {
                        // Invalidated while we loaded: what we read may predate the change, so it is not cached.
                        meters.staleSetsRejected().increment();
                    }
                    return read;
                });
    }

    /**
     * What the read script returns: value, fresh-for, load time, lifetime, time left (all ms), and the lease token of
     * the load that wrote it, which tells one fill from the next.
     */
    private record Entry(Buffer value, long freshFor, long loadMillis, long lifetime, long millisLeft, String fill) {

        static Entry of(Response response) {
            Response fill = response.size() > 5 ? response.get(5) : null;
            return new Entry(response.get(0).toBuffer(), response.get(1).toLong(), response.get(2).toLong(),
                    response.get(3).toLong(), response.get(4).toLong(), fill == null ? null : fill.toString());
        }

        long age() {
            return Math.max(0, lifetime - millisLeft);
        }
    }
}
