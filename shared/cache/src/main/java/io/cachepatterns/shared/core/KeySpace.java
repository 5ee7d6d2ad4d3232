package io.cachepatterns.shared.core;

import java.util.Objects;

/**
 * The Redis keys of one cache: {@code <service>:<cache>:v<schema>:{<id>}}.
 *
 * <p>The schema version is part of the key, so a service that changes the shape of its values reads new keys and
 * never decodes bytes written in the old shape; the old keys expire by their TTL. The id sits in a hash tag
 * ({@code {…}}), so a key and its lease land in the same Redis Cluster slot and one Lua script may touch both.
 */
public record KeySpace(String service, String cache, int schemaVersion) {

    public KeySpace {
        requirePlain(service, "service");
        requirePlain(cache, "cache");
        if (schemaVersion < 1) {
            throw new IllegalArgumentException("schemaVersion must be at least 1");
        }
    }

    /** The key that holds the cached value of {@code id}. */
    public String dataKey(String id) {
        Objects.requireNonNull(id, "id");
        if (id.isEmpty() || id.indexOf('{') >= 0 || id.indexOf('}') >= 0) {
            // A brace would move the hash tag and split a key from its lease across cluster slots.
            throw new IllegalArgumentException("cache id must be non-empty and free of braces: " + id);
        }
        return service + ':' + cache + ":v" + schemaVersion + ":{" + id + '}';
    }

    /** The key that marks {@code id}'s value fresh, in caches that serve stale values when a reload fails. */
    public String freshKey(String id) {
        return dataKey(id) + ":fresh";
    }

    /** The key of the load lease of {@code id} (see {@code Lease}). */
    public String leaseKey(String id) {
        return dataKey(id) + ":lease";
    }

    private static void requirePlain(String part, String name) {
        if (part == null || !part.matches("[a-z0-9][a-z0-9-]*")) {
            throw new IllegalArgumentException(name + " must be lower-case letters, digits and dashes: " + part);
        }
    }
}
