package io.cachepatterns.shared.patterns;

import io.smallrye.mutiny.Uni;
import java.util.Collection;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Read-through: the cache owns its loader. It is built once with the loader (and optionally a bulk loader), and
 * every call site only asks for keys; none of them knows where a miss is loaded from, so the read logic lives in one
 * place however many call sites share it.
 *
 * <p><b>Trade-off.</b> As for {@link CacheAside}, on which it is built: a miss is loaded and filled; staleness is
 * bounded by the TTL, or ended sooner by {@link #invalidate}. What read-through adds is the binding, not a new
 * guarantee: call sites cannot forget the fill, the TTL or the stampede protection, and a bulk read loads all of its
 * misses in one loader call.
 *
 * <p><b>Guarantees.</b> Those of {@link CacheAside}: no stale set after an invalidation (every write-back needs the
 * key's lease), one load per key across instances for single reads, and reads that go to the loader while Redis is
 * down. Nothing is ever lost: the source holds every value.
 */
public class ReadThrough<T> {

    public static final String PATTERN = "read-through";

    private final CacheAside<T> cache;
    private final Function<String, Uni<T>> loader;
    private final Function<Set<String>, Uni<Map<String, T>>> bulkLoader;

    /**
     * @param loader     loads one value; {@code null} when there is none
     * @param bulkLoader loads several in one call and returns those it found; {@code null}: one loader call per miss
     */
    public ReadThrough(CacheAside<T> cache, Function<String, Uni<T>> loader,
                       Function<Set<String>, Uni<Map<String, T>>> bulkLoader) {
        this.cache = cache;
        this.loader = loader;
        this.bulkLoader = bulkLoader != null ? bulkLoader : this::loadOneByOne;
    }

    public String name() {
        return cache.name();
    }

    /** The value of {@code id}, and where it came from; {@code null} value when the loader finds nothing. */
    public Uni<CacheRead<T>> read(String id) {
        return cache.read(id, () -> loader.apply(id));
    }

    public Uni<T> get(String id) {
        return read(id).map(CacheRead::value);
    }

    /** The values of {@code ids} that exist, in the order asked; all misses together take one bulk-loader call. */
    public Uni<Map<String, T>> getAll(Collection<String> ids) {
        return cache.getAll(ids, bulkLoader);
    }

    /** Call after the source changed {@code id}. */
    public Uni<Void> invalidate(String id) {
        return cache.invalidate(id);
    }

    private Uni<Map<String, T>> loadOneByOne(Set<String> ids) {
        Map<String, T> found = new java.util.concurrent.ConcurrentHashMap<>();
        return Uni.join().all(ids.stream().map(id -> loader.apply(id).invoke(value -> {
                    if (value != null) {
                        found.put(id, value);
                    }
                })).toList()).andFailFast()
                .replaceWith(found);
    }
}
