package io.cachepatterns.shared.patterns;

import io.cachepatterns.shared.config.CacheConfig.CacheSpec;
import io.cachepatterns.shared.core.LuaScript;
import io.cachepatterns.shared.core.RedisStore;
import io.cachepatterns.shared.metrics.CacheMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Response;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.jboss.logging.Logger;

/**
 * Write-behind for counters: an increment is acknowledged once Redis has it, and a flusher writes it to the
 * database later, in batches.
 *
 * <p><b>Trade-off.</b> Writes cost one Redis round trip, whatever the database is doing; the database lags behind by
 * about the write delay, and catches up when it comes back after an outage.
 *
 * <p><b>Guarantees.</b>
 * <ul>
 *   <li>Nothing acknowledged is lost when the service dies: one Lua script updates the cached value and appends the
 *       new absolute values to a Redis Stream (the log) before the caller is answered. A log entry is acknowledged
 *       (XACK, then deleted) only after the database transaction that applies it has committed; entries a dead
 *       instance left unacknowledged are claimed by another after {@code claim-idle} (XAUTOCLAIM).</li>
 *   <li>Nothing is counted twice: log entries carry absolute values and their log id; the database keeps a row only
 *       if the incoming log id is newer than the one it has ({@link BatchWriter}), so a batch applied again after a
 *       crash between commit and acknowledgement changes nothing, and a later update never loses to an earlier
 *       one.</li>
 *   <li>Many updates of one key become one row per flush (coalescing): with absolute values, only the newest
 *       entry matters.</li>
 *   <li>A batch that fails is retried row by row with exponential backoff; an entry that fails {@code max-attempts}
 *       times moves to the dead-letter stream and never blocks the rest. Dead letters can be listed and replayed.</li>
 *   <li>If Redis itself dies, what it loses depends on its persistence: with {@code appendonly yes} and
 *       {@code appendfsync everysec}, at most about one second of acknowledged writes.</li>
 * </ul>
 * Keys: {@code <service>:<name>:v1:{wb}:<id>} for values, {@code …:{wb}:log} and {@code …:{wb}:dead} for the
 * streams; one hash tag, so that one script may touch a value and the log on Redis Cluster (one slot: shard the tag
 * to spread the load).
 */
public class WriteBehind {

    public static final String PATTERN = "write-behind";
    public static final String GROUP = "flushers";

    private static final Logger LOG = Logger.getLogger(WriteBehind.class);
    private static final LuaScript INCREMENT = LuaScript.load(
            "/io/cachepatterns/shared/core/write-behind-increment.lua");
    private static final LuaScript INIT = LuaScript.load("/io/cachepatterns/shared/core/init-if-absent.lua");
    /** Values live long past any flush; the TTL only reclaims memory of keys nobody touches any more. */
    private static final Duration VALUE_TTL = Duration.ofDays(7);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);

    /** Reads a value's fields from the database; {@code null} or missing fields count as zero. */
    public interface Loader {
        Uni<Map<String, Long>> load(String id);
    }

    /**
     * Writes a batch of rows to the database in one transaction, keeping a row only where the incoming log id is
     * newer than the stored one. Must be idempotent: the same batch may be applied twice.
     */
    public interface BatchWriter {
        Uni<Void> write(List<Row> rows);
    }

    /** A log entry's position: the stream id {@code millis-sequence}, which only grows. */
    public record LogId(long millis, long sequence) implements Comparable<LogId> {

        static LogId parse(String id) {
            int dash = id.indexOf('-');
            return new LogId(Long.parseLong(id.substring(0, dash)), Long.parseLong(id.substring(dash + 1)));
        }

        @Override
        public int compareTo(LogId other) {
            int byMillis = Long.compare(millis, other.millis);
            return byMillis != 0 ? byMillis : Long.compare(sequence, other.sequence);
        }

        @Override
        public String toString() {
            return millis + "-" + sequence;
        }
    }

    /** One value to write: its fields' absolute values as of log id {@code logId}. */
    public record Row(String id, Map<String, Long> values, LogId logId) {
    }

    /** A log entry that failed too often, as kept in the dead-letter stream. */
    public record DeadLetter(String deadLetterId, String id, Map<String, Long> values, String error) {
    }

    /** What one flush did. */
    public record FlushResult(int entries, int rows, int deadLettered, boolean failed) {
    }

    private record Entry(String streamId, String id, Map<String, Long> values) {
    }

    private final String name;
    private final String keyPrefix;
    private final String log;
    private final String dead;
    private final List<String> fields;
    private final RedisStore store;
    private final Loader loader;
    private final BatchWriter writer;
    private final CacheSpec spec;
    private final String consumer = "c-" + UUID.randomUUID();
    private final Map<String, Integer> attempts = new ConcurrentHashMap<>();
    private final AtomicLong pending = new AtomicLong();
    private final AtomicLong oldestMillis = new AtomicLong();
    private final Counter flushed;
    private final Counter coalesced;
    private final Counter retries;
    private final Counter deadLetters;
    private final Timer flushLag;
    private volatile boolean groupReady;
    private volatile boolean running;
    private volatile Duration backoff = Duration.ZERO;

    public WriteBehind(String service, String name, List<String> fields, CacheSpec spec, RedisStore store,
                       Loader loader, BatchWriter writer, CacheMetrics metrics) {
        this.name = name;
        this.keyPrefix = service + ":" + name + ":v" + spec.schemaVersion() + ":{wb}:";
        this.log = keyPrefix + "log";
        this.dead = keyPrefix + "dead";
        this.fields = List.copyOf(fields);
        this.spec = spec;
        this.store = store;
        this.loader = loader;
        this.writer = writer;
        Tags tags = Tags.of("cache", name, "pattern", PATTERN);
        var registry = metrics.registry();
        this.flushed = registry.counter(CacheMetrics.WRITE_BEHIND_FLUSHED, tags);
        this.coalesced = registry.counter(CacheMetrics.WRITE_BEHIND_COALESCED, tags);
        this.retries = registry.counter(CacheMetrics.WRITE_BEHIND_RETRIES, tags);
        this.deadLetters = registry.counter(CacheMetrics.WRITE_BEHIND_DEAD_LETTERS, tags);
        this.flushLag = Timer.builder(CacheMetrics.WRITE_BEHIND_FLUSH_LAG).tags(tags)
                .publishPercentiles(0.5, 0.99).register(registry);
        Gauge.builder(CacheMetrics.WRITE_BEHIND_PENDING, pending, AtomicLong::get).tags(tags).register(registry);
        Gauge.builder(CacheMetrics.WRITE_BEHIND_LAG, oldestMillis,
                        oldest -> oldest.get() == 0 ? 0 : (System.currentTimeMillis() - oldest.get()) / 1000.0)
                .tags(tags).baseUnit("seconds").register(registry);
    }

    public String name() {
        return name;
    }

    /**
     * Adds {@code increments} (negative to take away; a field never goes below zero) and answers with the new
     * absolute values once Redis has both the values and the log entry.
     */
    public Uni<Map<String, Long>> increment(String id, Map<String, Long> increments) {
        List<Object> args = new ArrayList<>(List.of(id, VALUE_TTL.toMillis()));
        increments.forEach((field, delta) -> {
            requireField(field);
            args.add(field);
            args.add(delta);
        });
        return store.eval(INCREMENT, List.of(valueKey(id), log), args).flatMap(reply -> {
            if (reply == null) {
                // Not cached: load from the database first, so that the count goes on from there.
                return cacheFromDatabase(id).flatMap(ignored -> increment(id, increments));
            }
            Map<String, Long> values = new LinkedHashMap<>();
            for (int i = 1; i + 1 < reply.size(); i += 2) {
                values.put(reply.get(i).toString(), reply.get(i + 1).toLong());
            }
            return Uni.createFrom().item(withAllFields(values));
        });
    }

    /** The current values: from Redis, or from the database if Redis does not have them (then cached). */
    public Uni<Map<String, Long>> read(String id) {
        return store.command(Command.HGETALL, List.of(valueKey(id))).flatMap(reply -> {
            Map<String, Long> values = fieldMap(reply);
            return values.isEmpty() ? cacheFromDatabase(id) : Uni.createFrom().item(withAllFields(values));
        });
    }

    /**
     * One flush: the entries this instance was given but did not acknowledge, entries claimed from instances that
     * went quiet, then new ones; coalesced to one row per id, written, acknowledged.
     */
    public Uni<FlushResult> flushOnce() {
        return ensureGroup()
                .flatMap(ignored -> readGroup("0"))
                .flatMap(own -> claimIdle().flatMap(claimed -> readGroup(">").map(fresh -> {
                    Map<String, Entry> all = new LinkedHashMap<>();
                    for (List<Entry> part : List.of(own, claimed, fresh)) {
                        part.forEach(entry -> all.putIfAbsent(entry.streamId(), entry));
                    }
                    return List.copyOf(all.values());
                })))
                .flatMap(this::apply)
                .call(this::observeBacklog);
    }

    /** Starts flushing every {@code write-delay}, backing off exponentially while flushes fail. */
    public void start() {
        if (running) {
            return;
        }
        running = true;
        scheduleNext(spec.writeDelay());
    }

    /**
     * Stops flushing on schedule, then flushes what is left for at most {@code bound}. Whatever remains stays in
     * the log, safe, for the next instance to flush.
     */
    public void stop(Duration bound) {
        running = false;
        long deadline = System.nanoTime() + bound.toNanos();
        try {
            while (System.nanoTime() < deadline) {
                FlushResult result = flushOnce().await().atMost(bound);
                if (result.entries() == 0 || result.failed()) {
                    break;
                }
            }
        } catch (RuntimeException e) {
            LOG.warnf("write-behind %s: final flush incomplete (%s); the log keeps the rest", name, e.toString());
        }
    }

    private void scheduleNext(Duration delay) {
        if (!running) {
            return;
        }
        Uni<Void> wait = delay.isZero()
                ? Uni.createFrom().voidItem()
                : Uni.createFrom().voidItem().onItem().delayIt().by(delay);
        wait.flatMap(ignored -> flushOnce())
                .subscribe().with(result -> {
                    backoff = result.failed() ? nextBackoff() : Duration.ZERO;
                    if (!backoff.isZero()) {
                        scheduleNext(backoff);
                    } else if (result.entries() >= spec.batchSize()) {
                        scheduleNext(Duration.ZERO); // a full batch: more is waiting, keep up with the writers
                    } else {
                        scheduleNext(spec.writeDelay());
                    }
                }, failure -> {
                    LOG.warnf("write-behind %s: flush failed (%s)", name, failure.toString());
                    backoff = nextBackoff();
                    scheduleNext(backoff);
                });
    }

    private Duration nextBackoff() {
        Duration doubled = backoff.isZero() ? spec.writeDelay() : backoff.multipliedBy(2);
        return doubled.compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : doubled;
    }

    /** The dead letters, oldest first. */
    public Uni<List<DeadLetter>> deadLetters() {
        return store.command(Command.XRANGE, List.of(dead, "-", "+")).map(reply -> {
            List<DeadLetter> letters = new ArrayList<>();
            for (Response entry : reply) {
                Map<String, String> raw = rawFields(entry.get(1));
                Map<String, Long> values = new LinkedHashMap<>();
                fields.forEach(field -> values.put(field, Long.parseLong(raw.getOrDefault(field, "0"))));
                letters.add(new DeadLetter(entry.get(0).toString(), raw.get("id"), values, raw.get("error")));
            }
            return letters;
        });
    }

    /** Moves every dead letter back to the log, to be flushed again; answers how many. */
    public Uni<Integer> replayDeadLetters() {
        return deadLetters().flatMap(letters -> {
            Uni<Void> chain = Uni.createFrom().voidItem();
            for (DeadLetter letter : letters) {
                chain = chain.flatMap(ignored -> reenqueue(letter));
            }
            return chain.replaceWith(letters.size());
        });
    }

    private Uni<Void> reenqueue(DeadLetter letter) {
        // The current value, not the dead one: the counter may have moved on since.
        return read(letter.id()).flatMap(current -> {
            List<Object> args = new ArrayList<>(List.of(log, "*", "id", letter.id()));
            current.forEach((field, value) -> {
                args.add(field);
                args.add(value);
            });
            return store.command(Command.XADD, args);
        }).flatMap(ignored -> store.command(Command.XDEL, List.of(dead, letter.deadLetterId()))).replaceWithVoid();
    }

    private Uni<FlushResult> apply(List<Entry> entries) {
        if (entries.isEmpty()) {
            return Uni.createFrom().item(new FlushResult(0, 0, 0, false));
        }
        Map<String, Row> rows = new LinkedHashMap<>();
        Map<String, List<String>> streamIdsOf = new HashMap<>();
        for (Entry entry : entries) {
            LogId logId = LogId.parse(entry.streamId());
            rows.merge(entry.id(), new Row(entry.id(), withAllFields(entry.values()), logId),
                    (kept, incoming) -> incoming.logId().compareTo(kept.logId()) > 0 ? incoming : kept);
            streamIdsOf.computeIfAbsent(entry.id(), ignored -> new ArrayList<>()).add(entry.streamId());
        }
        List<Row> batch = List.copyOf(rows.values());
        return writer.write(batch)
                .flatMap(ignored -> acknowledge(entries.stream().map(Entry::streamId).toList()))
                .map(ignored -> {
                    recordLag(entries);
                    flushed.increment(entries.size());
                    coalesced.increment(entries.size() - batch.size());
                    entries.forEach(entry -> attempts.remove(entry.streamId()));
                    return new FlushResult(entries.size(), batch.size(), 0, false);
                })
                .onFailure().recoverWithUni(failure -> {
                    LOG.warnf("write-behind %s: a batch of %d rows failed (%s); retrying row by row", name,
                            batch.size(), failure.toString());
                    return rowByRow(batch, streamIdsOf, entries);
                });
    }

    /** Isolates the rows that fail, so that one poison entry never holds back the others. */
    private Uni<FlushResult> rowByRow(List<Row> batch, Map<String, List<String>> streamIdsOf, List<Entry> entries) {
        Map<String, Entry> byStreamId = new HashMap<>();
        entries.forEach(entry -> byStreamId.put(entry.streamId(), entry));
        Uni<int[]> chain = Uni.createFrom().item(new int[] {0, 0}); // {written rows, dead-lettered entries}
        for (Row row : batch) {
            List<String> ids = streamIdsOf.get(row.id());
            chain = chain.flatMap(counts -> writer.write(List.of(row))
                    .flatMap(ignored -> acknowledge(ids))
                    .invoke(() -> {
                        counts[0]++;
                        flushed.increment(ids.size());
                        ids.forEach(attempts::remove);
                    })
                    .replaceWith(counts)
                    .onFailure().recoverWithUni(failure -> failedRow(ids, byStreamId, failure, counts)));
        }
        return chain.map(counts -> new FlushResult(entries.size(), counts[0], counts[1], counts[0] < batch.size()));
    }

    private Uni<int[]> failedRow(List<String> ids, Map<String, Entry> byStreamId, Throwable failure, int[] counts) {
        retries.increment();
        Uni<Void> moves = Uni.createFrom().voidItem();
        for (String streamId : ids) {
            int tries = attempts.merge(streamId, 1, Integer::sum);
            if (tries >= spec.maxAttempts()) {
                Entry entry = byStreamId.get(streamId);
                moves = moves.flatMap(ignored -> deadLetter(entry, failure));
                counts[1]++;
            }
        }
        return moves.replaceWith(counts).onFailure().recoverWithItem(counts);
    }

    private Uni<Void> deadLetter(Entry entry, Throwable failure) {
        List<Object> args = new ArrayList<>(List.of(dead, "*", "id", entry.id()));
        entry.values().forEach((field, value) -> {
            args.add(field);
            args.add(value);
        });
        args.add("error");
        args.add(String.valueOf(failure.getMessage()));
        LOG.errorf("write-behind %s: entry %s of %s failed %d times; moved to %s", name, entry.streamId(),
                entry.id(), spec.maxAttempts(), dead);
        return store.command(Command.XADD, args)
                .flatMap(ignored -> acknowledge(List.of(entry.streamId())))
                .invoke(() -> {
                    deadLetters.increment();
                    attempts.remove(entry.streamId());
                });
    }

    /** How long each entry waited between its acknowledgement to the client and the database commit. */
    private void recordLag(List<Entry> entries) {
        long now = System.currentTimeMillis();
        entries.forEach(entry -> flushLag.record(Duration.ofMillis(
                Math.max(0, now - LogId.parse(entry.streamId()).millis()))));
    }

    /** XACK, then XDEL: the log keeps only what is not yet in the database. */
    private Uni<Void> acknowledge(List<String> streamIds) {
        List<Object> ack = new ArrayList<>(List.of(log, GROUP));
        ack.addAll(streamIds);
        List<Object> del = new ArrayList<>(List.of(log));
        del.addAll(streamIds);
        return store.command(Command.XACK, ack).flatMap(ignored -> store.command(Command.XDEL, del)).replaceWithVoid();
    }

    private Uni<List<Entry>> readGroup(String from) {
        return store.command(Command.XREADGROUP, List.of("GROUP", GROUP, consumer, "COUNT", spec.batchSize(),
                "STREAMS", log, from)).map(this::streamEntries);
    }

    private Uni<List<Entry>> claimIdle() {
        return store.command(Command.XAUTOCLAIM, List.of(log, GROUP, consumer, spec.claimIdle().toMillis(), "0-0",
                "COUNT", spec.batchSize())).map(reply -> reply == null ? List.of() : entries(reply.get(1)));
    }

    private Uni<Void> ensureGroup() {
        if (groupReady) {
            return Uni.createFrom().voidItem();
        }
        return store.command(Command.XGROUP, List.of("CREATE", log, GROUP, "0", "MKSTREAM"))
                .onFailure(failure -> String.valueOf(failure.getMessage()).startsWith("BUSYGROUP"))
                .recoverWithNull()
                .invoke(() -> groupReady = true)
                .replaceWithVoid();
    }

    private Uni<Void> observeBacklog() {
        return store.command(Command.XLEN, List.of(log))
                .invoke(length -> pending.set(length.toLong()))
                .flatMap(ignored -> store.command(Command.XRANGE, List.of(log, "-", "+", "COUNT", 1)))
                .invoke(first -> oldestMillis.set(first == null || first.size() == 0
                        ? 0 : LogId.parse(first.get(0).get(0).toString()).millis()))
                .replaceWithVoid()
                .onFailure().recoverWithNull();
    }

    /** How many log entries are not yet in the database, as of the last flush. */
    public long pending() {
        return pending.get();
    }

    private Uni<Map<String, Long>> cacheFromDatabase(String id) {
        return loader.load(id).flatMap(loaded -> {
            Map<String, Long> values = withAllFields(loaded == null ? Map.of() : loaded);
            List<Object> args = new ArrayList<>(List.of(VALUE_TTL.toMillis()));
            values.forEach((field, value) -> {
                args.add(field);
                args.add(value);
            });
            return store.eval(INIT, List.of(valueKey(id)), args).replaceWith(values);
        });
    }

    /** XREADGROUP answers {stream: entries} (RESP3) or [[stream, entries]] (RESP2), or nothing. */
    private List<Entry> streamEntries(Response reply) {
        if (reply == null || reply.size() == 0) {
            return List.of();
        }
        Response entries = reply.getKeys() != null && !reply.getKeys().isEmpty()
                ? reply.get(log)
                : reply.get(0).get(1);
        return entries(entries);
    }

    private List<Entry> entries(Response list) {
        List<Entry> entries = new ArrayList<>();
        if (list == null) {
            return entries;
        }
        for (Response entry : list) {
            if (entry == null || entry.size() < 2 || entry.get(1) == null) {
                continue; // deleted meanwhile
            }
            Map<String, String> raw = rawFields(entry.get(1));
            Map<String, Long> values = new LinkedHashMap<>();
            raw.forEach((field, value) -> {
                if (fields.contains(field)) {
                    values.put(field, Long.parseLong(value));
                }
            });
            entries.add(new Entry(entry.get(0).toString(), raw.get("id"), values));
        }
        return entries;
    }

    private static Map<String, String> rawFields(Response pairs) {
        Map<String, String> raw = new LinkedHashMap<>();
        for (int i = 0; i + 1 < pairs.size(); i += 2) {
            raw.put(pairs.get(i).toString(), pairs.get(i + 1).toString());
        }
        return raw;
    }

    /** HGETALL answers a map (RESP3) or a flat list (RESP2). */
    private Map<String, Long> fieldMap(Response reply) {
        Map<String, Long> values = new LinkedHashMap<>();
        if (reply == null) {
            return values;
        }
        if (reply.getKeys() != null && !reply.getKeys().isEmpty()) {
            reply.getKeys().forEach(key -> values.put(key, reply.get(key).toLong()));
        } else {
            for (int i = 0; i + 1 < reply.size(); i += 2) {
                values.put(reply.get(i).toString(), reply.get(i + 1).toLong());
            }
        }
        return values;
    }

    private Map<String, Long> withAllFields(Map<String, Long> values) {
        Map<String, Long> all = new LinkedHashMap<>();
        fields.forEach(field -> all.put(field, values.getOrDefault(field, 0L)));
        return all;
    }

    private void requireField(String field) {
        if (!fields.contains(field)) {
            throw new IllegalArgumentException("write-behind " + name + " has no field " + field);
        }
    }

    private String valueKey(String id) {
        if (id.indexOf('{') >= 0 || id.indexOf('}') >= 0 || id.isEmpty()) {
            throw new IllegalArgumentException("id must be non-empty and free of braces: " + id);
        }
        return keyPrefix + id;
    }
}
