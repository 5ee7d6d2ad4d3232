package io.cachepatterns.shared.patterns.writebehind;

import io.vertx.mutiny.redis.client.Response;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where write-behind keeps its data in Redis, and how to read it back: a hash per value ({@code ~}-prefixed fields
 * are bookkeeping: {@code ~marker}, {@code ~revision}, {@code ~flushed}), the log and the dead letters, all under one
 * hash tag ({@code <service>:<name>:v<schema>:{wb}:…}), so that one script may touch a value and the log on Redis
 * Cluster.
 */
final class CounterHashes {

    /** A clean value's TTL: values live long past any flush; the TTL only reclaims keys nobody touches any more. */
    static final Duration CLEAN_TTL = Duration.ofDays(7);

    private final String name;
    private final String keyPrefix;
    private final List<String> fields;

    CounterHashes(String service, String name, int schemaVersion, List<String> fields) {
        this.name = name;
        this.keyPrefix = service + ":" + name + ":v" + schemaVersion + ":{wb}:";
        this.fields = List.copyOf(fields);
    }

    String name() {
        return name;
    }

    /** The log: one entry per dirty value. */
    String log() {
        return keyPrefix + "log";
    }

    /** The dead-letter stream. */
    String dead() {
        return keyPrefix + "dead";
    }

    /** The idempotency records by deadline: they have no Redis TTL, so that no eviction can take one early. */
    String idempotencyIndex() {
        return keyPrefix + "idem-expiry";
    }

    /** The record of one {@code Idempotency-Key} for one value. */
    String idempotencyKey(String id, String key) {
        return keyPrefix + "idem:" + id + ":" + key;
    }

    String valueKey(String id) {
        if (id.indexOf('{') >= 0 || id.indexOf('}') >= 0 || id.isEmpty()) {
            throw new IllegalArgumentException("id must be non-empty and free of braces: " + id);
        }
        return keyPrefix + id;
    }

    void requireField(String field) {
        if (!fields.contains(field)) {
            throw new IllegalArgumentException("write-behind " + name + " has no field " + field);
        }
    }

    /**
     * The counter fields of a hash, without the '~' bookkeeping fields. HGETALL answers a map (RESP3) or a flat list
     * (RESP2); a script answers a flat list.
     */
    Map<String, Long> fieldMap(Response reply) {
        Map<String, Long> values = new LinkedHashMap<>();
        if (reply == null) {
            return values;
        }
        if (reply.getKeys() != null && !reply.getKeys().isEmpty()) {
            reply.getKeys().stream().filter(fields::contains)
                    .forEach(key -> values.put(key, reply.get(key).toLong()));
        } else {
            for (int i = 0; i + 1 < reply.size(); i += 2) {
                String field = reply.get(i).toString();
                if (fields.contains(field)) {
                    values.put(field, reply.get(i + 1).toLong());
                }
            }
        }
        return values;
    }

    /** The counter fields among a hash's or a log entry's raw fields; a missing one is zero. */
    Map<String, Long> counterValues(Map<String, String> raw) {
        Map<String, Long> values = new LinkedHashMap<>();
        fields.forEach(field -> values.put(field, Long.parseLong(raw.getOrDefault(field, "0"))));
        return values;
    }

    Map<String, Long> withAllFields(Map<String, Long> values) {
        Map<String, Long> all = new LinkedHashMap<>();
        fields.forEach(field -> all.put(field, values.getOrDefault(field, 0L)));
        return all;
    }

    /** A field of a reply that is a map (RESP3) or a flat list of pairs (RESP2); {@code null} if absent. */
    static String field(Response reply, String name) {
        try {
            if (reply.containsKey(name)) {
                return reply.get(name).toString();
            }
        } catch (UnsupportedOperationException notAMap) {
            // RESP2: a flat list
        }
        return rawFields(reply).get(name);
    }

    static Map<String, String> rawFields(Response pairs) {
        Map<String, String> raw = new LinkedHashMap<>();
        for (int i = 0; i + 1 < pairs.size(); i += 2) {
            raw.put(pairs.get(i).toString(), pairs.get(i + 1).toString());
        }
        return raw;
    }
}
