package io.cachepatterns.shared.patterns.writebehind;

import io.vertx.mutiny.redis.client.Response;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import java.util.zip.CRC32;

/**
 * Where write-behind keeps its data in Redis, and how to read it back: a hash per value ({@code ~}-prefixed fields
 * are bookkeeping: {@code ~marker}, {@code ~revision}, {@code ~flushed}), the log, the idempotency records and the
 * dead letters of a partition, all under the partition's hash tag, so that one script may touch a value and its log
 * on Redis Cluster.
 *
 * <p>With one partition (the default) the tag is {@code {wb}}: {@code <service>:<name>:v<schema>:{wb}:…}. With
 * {@code log-partitions} N &gt; 1, a value belongs to partition {@code crc32(id) mod N} and partition p's tag is
 * {@code {wb<p>.<k>}}, {@code k} the first number that puts the tag's slot in the p-th N-th of the 16 384 slots: a
 * cluster created with equal slot ranges per primary (as {@code redis-cli --cluster create} does) then has the
 * partitions spread evenly over its primaries when N is a multiple of their number, instead of where the hashes of
 * {@code wb0}, {@code wb1}, … happen to fall.
 */
final class CounterHashes {

    /** A clean value's TTL: values live long past any flush; the TTL only reclaims keys nobody touches any more. */
    static final Duration CLEAN_TTL = Duration.ofDays(7);

    private static final int SLOTS = 16_384;

    private final String name;
    private final List<String> fields;
    /** Each partition's key prefix, hash tag included. */
    private final List<String> prefixes;

    CounterHashes(String service, String name, int schemaVersion, List<String> fields, int partitions) {
        if (partitions < 1) {
            throw new IllegalArgumentException("write-behind " + name + ": log-partitions must be at least 1");
        }
        this.name = name;
        this.fields = List.copyOf(fields);
        String base = service + ":" + name + ":v" + schemaVersion + ":";
        this.prefixes = IntStream.range(0, partitions)
                .mapToObj(p -> base + "{" + tag(p, partitions) + "}:").toList();
    }

    String name() {
        return name;
    }

    int partitions() {
        return prefixes.size();
    }

    /** The partition of value {@code id}: where its hash, its log entries and its idempotency records live. */
    int partitionOf(String id) {
        if (prefixes.size() == 1) {
            return 0;
        }
        CRC32 crc = new CRC32();
        crc.update(id.getBytes(StandardCharsets.UTF_8));
        return (int) (crc.getValue() % prefixes.size());
    }

    /** Partition {@code p}'s log: one entry per dirty value. */
    String log(int partition) {
        return prefixes.get(partition) + "log";
    }

    /** Partition {@code p}'s dead-letter stream. */
    String dead(int partition) {
        return prefixes.get(partition) + "dead";
    }

    /**
     * Partition {@code p}'s idempotency records by deadline: they have no Redis TTL, so that no eviction can take one
     * early.
     */
    String idempotencyIndex(int partition) {
        return prefixes.get(partition) + "idem-expiry";
    }

    /** The record of one {@code Idempotency-Key} for one value. */
    String idempotencyKey(String id, String key) {
        valueKey(id); // the same checks of the id
        return prefixes.get(partitionOf(id)) + "idem:" + id + ":" + key;
    }

    String valueKey(String id) {
        if (id.indexOf('{') >= 0 || id.indexOf('}') >= 0 || id.isEmpty()) {
            throw new IllegalArgumentException("id must be non-empty and free of braces: " + id);
        }
        return prefixes.get(partitionOf(id)) + id;
    }

    /** {@code wb} alone, or the first {@code wb<p>.<k>} whose slot lies in the p-th of {@code n} equal ranges. */
    static String tag(int partition, int n) {
        if (n == 1) {
            return "wb";
        }
        int from = (int) ((long) SLOTS * partition / n);
        int to = (int) ((long) SLOTS * (partition + 1) / n);
        for (int k = 0; ; k++) {
            String tag = "wb" + partition + "." + k;
            int slot = slot(tag);
            if (slot >= from && slot < to) {
                return tag;
            }
        }
    }

    /** Redis Cluster's slot of a hash tag: CRC16 (XMODEM) mod 16 384. */
    static int slot(String tag) {
        int crc = 0;
        for (byte b : tag.getBytes(StandardCharsets.UTF_8)) {
            crc ^= (b & 0xff) << 8;
            for (int i = 0; i < 8; i++) {
                crc = (crc & 0x8000) != 0 ? (crc << 1) ^ 0x1021 : crc << 1;
            }
        }
        return (crc & 0xffff) % SLOTS;
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
