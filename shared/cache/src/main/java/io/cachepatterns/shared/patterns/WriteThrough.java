package io.cachepatterns.shared.patterns;

import io.cachepatterns.shared.core.CacheSettings;
import io.cachepatterns.shared.core.Detached;
import io.cachepatterns.shared.core.KeySpace;
import io.cachepatterns.shared.core.LuaScript;
import io.cachepatterns.shared.core.PendingRepairs;
import io.cachepatterns.shared.core.RedisStore;
import io.cachepatterns.shared.core.ValueCodec;
import io.cachepatterns.shared.core.VertxContexts;
import io.cachepatterns.shared.invalidation.Invalidation;
import io.cachepatterns.shared.invalidation.InvalidationTarget;
import io.cachepatterns.shared.metrics.CacheMetrics;
import io.cachepatterns.shared.patterns.CacheRead.Source;
import io.cachepatterns.shared.stampede.SingleFlight;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.mutiny.core.buffer.Buffer;
import io.vertx.mutiny.redis.client.Response;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;
import org.jboss.logging.Logger;

/**
 * Write-through: one logical write commits to the database and then writes the cache; the caller is answered after
 * both. Reads are served from the cache and load on a miss.
 *
 * <p><b>Trade-off.</b> A write pays the latency of both stores; in exchange a read after a write is fresh, and a
 * value read once stays cached for every reader without an extra load after each write.
 *
 * <p><b>Guarantees.</b>
 * <ul>
 *   <li>Values carry their database version, and Redis keeps an entry only if it is newer than the one there
 *       (compare and set in one Lua script): concurrent writers, retries and slow loaders can never leave an older
 *       version cached than one already written.</li>
 *   <li>If the cache write fails after the commit, the caller still gets the committed value, the failure is
 *       counted, and the entry is superseded: before the answer, past the breaker, again and again until Redis
 *       takes it or {@code cache-store.repair-wait} (1 s) has passed, since Redis may be answering other instances
 *       while this one alone times out; after that in the background, every 250 ms until Redis takes it
 *       ({@link PendingRepairs}). Meanwhile this instance
 *       reads that key from the database, so its own clients never see the older value; other instances stay off
 *       Redis too once they saw it fail ({@link io.cachepatterns.shared.core.InvalidationFence}). Superseded, not
 *       written again nor deleted: the entry keeps only the version before the committed one, so reads load, and a
 *       load that read the database before the commit cannot cache its older version afterwards (a delete let it
 *       in); the value written again, landing after Redis had lost its data (restarted empty) and a newer write,
 *       would have cached the older version for good (found by the fault suite's half-written-state check). That
 *       repair lives in memory: a service that also records the write in the outbox
 *       ({@link #invalidationOf(Object)}, as profile-service does) never leaves the older version cached, even if it
 *       dies before Redis is back: the outbox supersedes the entry the same way.</li>
 *   <li>Redis is optional: when it fails, reads go to the loader (one load per key per instance) and writes to the
 *       database alone.</li>
 *   <li>A write, once started, finishes both steps even if its caller gives up (a cancelled request); a read after
 *       a write's answer never joins a load that began before it.</li>
 * </ul>
 * Nothing is lost: the database commits first and holds every value.
 */
public class WriteThrough<T> implements InvalidationTarget {

    public static final String PATTERN = "write-through";

    private static final Logger LOG = Logger.getLogger(WriteThrough.class);
    private static final LuaScript WRITE_IF_NEWER = LuaScript.load("/io/cachepatterns/shared/core/write-if-newer.lua");
    private static final LuaScript SUPERSEDE = LuaScript.load("/io/cachepatterns/shared/core/supersede.lua");
    private static final String VALUE_FIELD = "d";

    private final String name;
    private final KeySpace keys;
    private final ValueCodec<T> codec;
    private final CacheSettings settings;
    private final RedisStore store;
    private final Function<T, String> idOf;
    private final ToLongFunction<T> versionOf;
    private final CacheMetrics.Meters meters;
    private final CacheMetrics.WriteMeters writeMeters;
    private final SingleFlight<CacheRead<T>> singleFlight = new SingleFlight<>();
    /** Entries whose cache write failed and whose superseding has not reached Redis yet, by key. */
    private final PendingRepairs repairs;

    public WriteThrough(String name, KeySpace keys, ValueCodec<T> codec, CacheSettings settings, RedisStore store,
                        CacheMetrics metrics, Function<T, String> idOf, ToLongFunction<T> versionOf) {
        this.name = name;
        this.keys = keys;
        this.codec = codec;
        this.settings = settings;
        this.store = store;
        this.idOf = idOf;
        this.versionOf = versionOf;
        this.meters = metrics.forCache(name, PATTERN, settings.loadTimeout());
        this.repairs = new PendingRepairs(store.repairWait());
        this.writeMeters = metrics.forWrites(name, PATTERN, repairs::size);
    }

    /** The value of {@code id}, from the cache or loaded and cached; absent if the loader finds nothing. */
    public Uni<CacheRead<T>> read(String id, Supplier<Uni<T>> loader) {
        return meters.spans().around("cache.get", () -> untracedRead(id, loader), CacheRead::result);
    }

    private Uni<CacheRead<T>> untracedRead(String id, Supplier<Uni<T>> loader) {
        if (!settings.enabled()) {
            return meters.timedLoad(loader).map(value -> CacheRead.loaded(Source.BYPASS, value, codec));
        }
        Context context = VertxContexts.current();
        String key = keys.dataKey(id);
        if (repairs.isPending(key)) {
            // Redis may still hold the version before our last write: ask the database until the repair lands.
            meters.degraded().increment();
            return singleFlight.run(key, () -> VertxContexts.runOn(context, () -> meters.timedLoad(loader))
                    .map(value -> CacheRead.loaded(Source.DEGRADED, value, codec)));
        }
        return store.hget(key, VALUE_FIELD)
                .onItemOrFailure().transformToUni((cached, failure) -> {
                    if (failure != null) {
                        meters.degraded().increment();
                        return singleFlight.run(key, () -> VertxContexts.runOn(context, () -> meters.timedLoad(loader))
                                .map(value -> CacheRead.loaded(Source.DEGRADED, value, codec)));
                    }
                    if (cached != null) {
                        meters.hits().increment();
                        return Uni.createFrom().item(CacheRead.cached(cached, codec));
                    }
                    meters.misses().increment();
                    return singleFlight.run(key, () -> VertxContexts.runOn(context, () -> meters.timedLoad(loader))
                            .call(value -> value == null ? Uni.createFrom().voidItem() : fill(id, value))
                            .map(value -> CacheRead.loaded(Source.MISS, value, codec)));
                });
    }

    /**
     * Runs {@code commit} (a database transaction that returns the committed value, with its id and new version),
     * then writes the value to the cache. Answers with the committed value once both are done; a failed cache write
     * does not fail the write (see the class comment). Creating and updating are the same call.
     */
    public Uni<T> write(Supplier<Uni<T>> commit) {
        long start = System.nanoTime();
        // Detached: a client that disconnects mid-write must not stop the cache update that follows the commit.
        return Detached.run(() -> commit.get()
                .invoke(value -> singleFlight.forget(keys.dataKey(idOf.apply(value)))) // no read joins an older load
                .call(value -> settings.enabled() ? writeToCache(idOf.apply(value), value)
                        : Uni.createFrom().voidItem())
                .invoke(() -> writeMeters.write().record(Duration.ofNanos(System.nanoTime() - start))));
    }

    @Override
    public String targetName() {
        return name;
    }

    /**
     * What the outbox records for a write of {@code value}, in the write's transaction: its id and the version it
     * commits. Delivered ({@link #deliver(Invalidation)}) until Redis has it, so that a cache write lost with a dying
     * instance (or a Redis outage) never leaves the older version cached.
     */
    public Invalidation invalidationOf(T value) {
        return new Invalidation(name, idOf.apply(value), versionOf.applyAsLong(value));
    }

    /**
     * Supersedes {@code id}'s entry with the committed version, as a failed cache write's repair does (see the class
     * comment), failing when Redis did not take it, so that the outbox tries again. Not a delete: after one, a load
     * that read the database before the commit could still cache its older version, for a TTL; the superseded entry
     * refuses it. On the writer's fast path the write's own versioned write follows it.
     */
    @Override
    public Uni<Void> deliver(Invalidation invalidation) {
        if (invalidation.version() == null) {
            return deliver(invalidation.id()); // recorded without a version (by an older release): deleted
        }
        return supersede(keys.dataKey(invalidation.id()), invalidation.version(), false).replaceWithVoid();
    }

    /** Drops {@code id}'s entry, failing when Redis did not take it: an outbox row without a version. */
    @Override
    public Uni<Void> deliver(String id) {
        singleFlight.forget(keys.dataKey(id));
        return store.delete(List.of(keys.dataKey(id))).replaceWithVoid();
    }

    /** Whether the superseding of {@code id}'s entry is still waiting for Redis; for tests and health. */
    public boolean repairPending(String id) {
        return repairs.isPending(keys.dataKey(id));
    }

    private Uni<Void> writeToCache(String id, T value) {
        Buffer bytes = codec.encode(value);
        long version = versionOf.applyAsLong(value);
        return writeIfNewer(id, version, bytes)
                .replaceWithVoid()
                .onFailure().recoverWithUni(failure -> {
                    writeMeters.writeFailures().increment();
                    LOG.warnf("cache %s: write of %s v%d failed after commit (%s); superseding its entry", name,
                            id, version, failure.toString());
                    // Before answering: another instance may read the entry now, its fence down (this instance
                    // alone may have timed out). Until it lands or repair-wait has passed; then in the background.
                    String key = keys.dataKey(id);
                    return repairs.repair(key, () -> supersede(key, version, true));
                });
    }

    /**
     * Replaces {@code key}'s entry with one that holds no value, only the version before {@code committed}
     * ({@code supersede.lua}), unless Redis has that version or a newer one; reads from now on start their own load.
     * {@code pastTheBreaker}: a repair, sent even while this instance's breaker is open (see the class comment).
     */
    private Uni<Response> supersede(String key, long committed, boolean pastTheBreaker) {
        singleFlight.forget(key);
        List<String> keyList = List.of(key);
        List<Object> args = List.of(committed, settings.ttlWithJitter().toMillis());
        return pastTheBreaker ? store.evalDespiteBreaker(SUPERSEDE, keyList, args)
                : store.eval(SUPERSEDE, keyList, args);
    }

    private Uni<Void> fill(String id, T value) {
        return writeIfNewer(id, versionOf.applyAsLong(value), codec.encode(value))
                .onItem().invoke(written -> {
                    if (!written) {
                        meters.staleSetsRejected().increment(); // a writer got a newer version in first
                    }
                })
                .onFailure().invoke(() -> meters.degraded().increment())
                .onFailure().recoverWithNull()
                .replaceWithVoid();
    }

    private Uni<Boolean> writeIfNewer(String id, long version, Buffer bytes) {
        return store.eval(WRITE_IF_NEWER, List.of(keys.dataKey(id)),
                        List.of(version, bytes, settings.ttlWithJitter().toMillis()))
                .map(response -> response.toLong() == 1L);
    }


}
