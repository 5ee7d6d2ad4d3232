package io.cachepatterns.shared.patterns;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.cachepatterns.shared.config.CacheConfig;
import io.cachepatterns.shared.core.JsonCodec;
import io.cachepatterns.shared.core.KeySpace;
import io.cachepatterns.shared.core.RedisStore;
import io.cachepatterns.shared.invalidation.ChangeChannel;
import io.cachepatterns.shared.invalidation.InvalidationTarget;
import io.cachepatterns.shared.metrics.CacheMetrics;
import io.cachepatterns.shared.patterns.writebehind.WriteBehind;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.ToLongFunction;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Where services get their caches: each one named, configured under {@code cache.<name>.*}, its keys namespaced by
 * the application's name ({@code quarkus.application.name}).
 */
@ApplicationScoped
public class Caches {

    private final String service;
    private final CacheConfig config;
    private final RedisStore store;
    private final CacheMetrics metrics;
    private final ObjectMapper mapper;
    private final Vertx vertx;
    private final List<RefreshAhead<?>> refreshAheads = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** Every cache and channel by name, for the outbox that delivers invalidations recorded by name. */
    private final Map<String, InvalidationTarget> targets = new ConcurrentHashMap<>();

    public Caches(@ConfigProperty(name = "quarkus.application.name") String service, CacheConfig config,
                  RedisStore store, CacheMetrics metrics, ObjectMapper mapper, Vertx vertx) {
        this.service = service;
        this.config = config;
        this.store = store;
        this.metrics = metrics;
        this.mapper = mapper;
        this.vertx = vertx;
    }

    /** A cache-aside cache of JSON values of {@code type}. Call once per cache, at start-up. */
    public <T> CacheAside<T> cacheAside(String name, Class<T> type) {
        return cacheAside(name, type, null);
    }

    /** A cache-aside cache whose entries live no longer than {@code lifetime} says (a session's expiry). */
    public <T> CacheAside<T> cacheAside(String name, Class<T> type, Function<T, Duration> lifetime) {
        return register(newCacheAside(name, type, lifetime));
    }

    /**
     * A cache-aside cache whose keys belong to another service, {@code owner}: both read and write the same entries,
     * and the owner's invalidations reach every reader at once (the sessions every service checks).
     */
    public <T> CacheAside<T> sharedCacheAside(String owner, String name, Class<T> type,
                                              Function<T, Duration> lifetime) {
        CacheConfig.CacheSpec spec = config.cache(name);
        return register(new CacheAside<>(name, new KeySpace(owner, name, spec.schemaVersion()),
                new JsonCodec<>(mapper, type), spec.settings(), store, metrics, lifetime));
    }

    private <T> CacheAside<T> newCacheAside(String name, Class<T> type, Function<T, Duration> lifetime) {
        CacheConfig.CacheSpec spec = config.cache(name);
        return new CacheAside<>(name, keySpace(name, spec), new JsonCodec<>(mapper, type), spec.settings(), store,
                metrics, lifetime);
    }

    /**
     * The cache or channel that an outbox row names; empty if this instance has none by that name (a row recorded
     * by a version of the service that had it).
     */
    public Optional<InvalidationTarget> target(String name) {
        return Optional.ofNullable(targets.get(name));
    }

    private <C extends InvalidationTarget> C register(C target) {
        targets.put(target.targetName(), target);
        return target;
    }

    /**
     * A read-through cache of JSON values of {@code type}: call sites only ask for keys. {@code bulkLoader} may be
     * {@code null} (bulk reads then call {@code loader} once per miss).
     */
    public <T> ReadThrough<T> readThrough(String name, Class<T> type, Function<String, Uni<T>> loader,
                                          Function<Set<String>, Uni<Map<String, T>>> bulkLoader) {
        CacheConfig.CacheSpec spec = config.cache(name);
        CacheAside<T> cache = new CacheAside<>(name, keySpace(name, spec), new JsonCodec<>(mapper, type),
                spec.settings(), store, metrics, null, ReadThrough.PATTERN);
        register(cache);
        return new ReadThrough<>(cache, loader, bulkLoader);
    }

    /**
     * A refresh-ahead cache of JSON values of {@code type}, loaded by {@code loader}; keys marked with
     * {@link RefreshAhead#keepHot} are reloaded on schedule until the application stops.
     */
    public <T> RefreshAhead<T> refreshAhead(String name, Class<T> type, Function<String, Uni<T>> loader) {
        CacheConfig.CacheSpec spec = config.cache(name);
        RefreshAhead.Settings settings = new RefreshAhead.Settings(spec.settings(), spec.refreshFactor(),
                spec.earlyRecomputeBeta(), spec.refreshCheckInterval(), spec.refreshRetryDelay());
        RefreshAhead<T> cache = new RefreshAhead<>(name, keySpace(name, spec), new JsonCodec<>(mapper, type), settings,
                store, metrics, vertx, loader);
        refreshAheads.add(cache);
        return register(cache);
    }

    /** The channel on which the owner of some data announces changes by id (see {@link ChangeChannel}). */
    public ChangeChannel changeChannel(String channel) {
        return register(new ChangeChannel(store, channel));
    }

    @PreDestroy
    void stopSchedules() {
        refreshAheads.forEach(RefreshAhead::stop);
    }

    /**
     * A near cache: an in-process level in front of a cache-aside level in Redis, invalidated on every instance
     * through the channel {@code <service>:<name>:invalidations}.
     */
    public <T> NearCache<T> nearCache(String name, Class<T> type) {
        CacheConfig.CacheSpec spec = config.cache(name);
        return register(new NearCache<>(name, newCacheAside(name, type, null),
                new ChangeChannel(store, service + ":" + name + ":invalidations"), spec.l1Ttl(), spec.l1MaxSize(),
                metrics));
    }

    /**
     * A write-behind store of counters with {@code fields}; call {@link WriteBehind#start()} to flush on schedule.
     */
    public WriteBehind writeBehind(String name, List<String> fields, WriteBehind.Loader loader,
                                   WriteBehind.BatchWriter writer) {
        return new WriteBehind(service, name, fields, config.cache(name), store, loader, writer, metrics);
    }

    /** A ranking kept write-through in a Redis sorted set, rebuilt from the database when Redis lost it. */
    public SortedSetWriteThrough sortedSetWriteThrough(String name) {
        return new SortedSetWriteThrough(service, name, config.cache(name).settings(), store, metrics);
    }

    /**
     * A write-through cache; {@code idOf} gives a value's cache id and {@code versionOf} its database version, which
     * only ever grows.
     */
    public <T> WriteThrough<T> writeThrough(String name, Class<T> type, Function<T, String> idOf,
                                            ToLongFunction<T> versionOf) {
        CacheConfig.CacheSpec spec = config.cache(name);
        return register(new WriteThrough<>(name, keySpace(name, spec), new JsonCodec<>(mapper, type),
                spec.settings(), store, metrics, idOf, versionOf));
    }

    private KeySpace keySpace(String name, CacheConfig.CacheSpec spec) {
        return new KeySpace(service, name, spec.schemaVersion());
    }
}
