package io.cachepatterns.shared.patterns;

import io.cachepatterns.shared.core.ValueCodec;
import io.vertx.mutiny.core.buffer.Buffer;

/**
 * What a cache read found: where the value came from, its encoded bytes (for sending on untouched) and the value
 * itself, decoded only if somebody asks. A {@code null} value means "no such thing", as the loader said.
 */
public final class CacheRead<T> {

    /** The response header in which every service says where a read was served from: {@link Source}'s name. */
    public static final String HEADER = "X-Cache";

    /** Where the answer came from; REST resources show it as the {@code X-Cache} header. */
    public enum Source {
        /** From Redis. */
        HIT,
        /** Loaded on a miss, and put in the cache unless an invalidation voided the load. */
        MISS,
        /** Past its TTL, served because reloading it failed or another instance is reloading it. */
        STALE,
        /** Loaded because Redis failed or its breaker is open; not cached. */
        DEGRADED,
        /** Loaded because the cache is switched off. */
        BYPASS
    }

    private final Source source;
    private final Buffer encoded;
    private final ValueCodec<T> codec;
    private volatile T value;

    private CacheRead(Source source, Buffer encoded, T value, ValueCodec<T> codec) {
        this.source = source;
        this.encoded = encoded;
        this.value = value;
        this.codec = codec;
    }

    static <T> CacheRead<T> cached(Buffer encoded, ValueCodec<T> codec) {
        return new CacheRead<>(Source.HIT, encoded, null, codec);
    }

    /** A value that needed no cache at all (a rate from a currency to itself). */
    public static <T> CacheRead<T> identity(T value) {
        return new CacheRead<>(Source.BYPASS, null, value, null);
    }

    static <T> CacheRead<T> stale(Buffer encoded, ValueCodec<T> codec) {
        return new CacheRead<>(Source.STALE, encoded, null, codec);
    }

    static <T> CacheRead<T> loaded(Source source, T value, Buffer encoded, ValueCodec<T> codec) {
        return new CacheRead<>(source, encoded, value, codec);
    }

    /** A value from the loader, encoded once: for the cache and for the response alike. */
    static <T> CacheRead<T> loaded(Source source, T value, ValueCodec<T> codec) {
        return new CacheRead<>(source, value == null ? null : codec.encode(value), value, codec);
    }

    /** {@link #source()} as traces tag it ({@code cache.result}): hit, miss, stale, degraded, bypass. */
    public String result() {
        return source.name().toLowerCase(java.util.Locale.ROOT);
    }

    public Source source() {
        return source;
    }

    /** Past its TTL, served because a reload failed: what responses show as {@code "stale": true}. */
    public boolean isStale() {
        return source == Source.STALE;
    }

    public boolean isPresent() {
        return encoded != null;
    }

    /** The value's bytes in the codec's media type, or {@code null} when there is no such value. */
    public Buffer encoded() {
        return encoded;
    }

    /** The value, or {@code null} when there is no such value. */
    public T value() {
        T current = value;
        if (current == null && encoded != null) {
            current = codec.decode(encoded);
            value = current;
        }
        return current;
    }
}
