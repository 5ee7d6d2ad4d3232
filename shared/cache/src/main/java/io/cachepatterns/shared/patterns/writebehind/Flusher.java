package io.cachepatterns.shared.patterns.writebehind;

import static io.cachepatterns.shared.patterns.writebehind.WriteBehind.GROUP;

import io.cachepatterns.shared.config.CacheConfig.CacheSpec;
import io.cachepatterns.shared.core.LuaScript;
import io.cachepatterns.shared.core.RedisErrors;
import io.cachepatterns.shared.core.RedisStore;
import io.cachepatterns.shared.metrics.CacheMetrics;
import io.cachepatterns.shared.metrics.CacheSpans;
import io.cachepatterns.shared.patterns.writebehind.WriteBehind.BatchWriter;
import io.cachepatterns.shared.patterns.writebehind.WriteBehind.FlushResult;
import io.cachepatterns.shared.patterns.writebehind.WriteBehind.LogId;
import io.cachepatterns.shared.patterns.writebehind.WriteBehind.Row;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Response;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.jboss.logging.Logger;

/**
 * Write-behind's flusher for one partition of the log: every {@code write-delay} it reads the log through a consumer
 * group (its own unacknowledged
 * entries, entries claimed from instances gone quiet, then new ones), reads the named values as they are then,
 * writes them in one batch, and only after the commit settles each value's marker and acknowledges the entries. A
 * database outage is retried with backoff; rows the database refuses are retried one by one and, after
 * {@code max-attempts}, go to the {@link DeadLetters}. Each instance runs one flusher per partition; the consumer
 * groups share a partition's entries among the instances.
 */
final class Flusher {

    private static final Logger LOG = Logger.getLogger(Flusher.class);
    private static final LuaScript READ = LuaScript.load("/io/cachepatterns/shared/core/write-behind-read.lua");
    private static final LuaScript SETTLE = LuaScript.load("/io/cachepatterns/shared/core/write-behind-settle.lua");
    private static final LuaScript ACK = LuaScript.load("/io/cachepatterns/shared/core/write-behind-ack.lua");
    /** Values one flush script handles at most: a script holds Redis while it runs, so each one stays short. */
    private static final int SCRIPT_CHUNK = 256;

    private final CounterHashes hashes;
    private final int partition;
    private final RedisStore store;
    private final BatchWriter writer;
    private final DeadLetters deadLetters;
    private final CacheSpec spec;
    private final String name;
    private final String log;
    private final String consumer = "c-" + UUID.randomUUID();
    private final Map<String, Integer> attempts = new ConcurrentHashMap<>();
    private final AtomicLong pending = new AtomicLong();
    private final AtomicLong oldestMillis = new AtomicLong();
    private final Counter flushed;
    private final Counter coalesced;
    private final Counter retries;
    private final Counter lost;
    private final Timer flushLag;
    private final CacheSpans spans;
    private volatile boolean groupReady;
    private volatile String claimCursor = "0-0";
    private volatile long lastConsumerCleanup = System.nanoTime();
    private volatile boolean running;
    private volatile Duration backoff = Duration.ZERO;

    Flusher(CounterHashes hashes, int partition, RedisStore store, BatchWriter writer, DeadLetters deadLetters,
            CacheSpec spec, CacheMetrics metrics, Tags tags) {
        this.hashes = hashes;
        this.partition = partition;
        this.store = store;
        this.writer = writer;
        this.deadLetters = deadLetters;
        this.spec = spec;
        this.name = hashes.partitions() == 1 ? hashes.name() : hashes.name() + " (partition " + partition + ")";
        this.log = hashes.log(partition);
        var registry = metrics.registry();
        this.flushed = registry.counter(CacheMetrics.WRITE_BEHIND_FLUSHED, tags);
        this.coalesced = registry.counter(CacheMetrics.WRITE_BEHIND_COALESCED, tags);
        this.retries = registry.counter(CacheMetrics.WRITE_BEHIND_RETRIES, tags);
        this.lost = registry.counter(CacheMetrics.WRITE_BEHIND_LOST, tags);
        this.spans = metrics.spans(name, WriteBehind.PATTERN);
        this.flushLag = Timer.builder(CacheMetrics.WRITE_BEHIND_FLUSH_LAG).tags(tags)
                .publishPercentiles(0.5, 0.99).register(registry);
    }

    /** A log entry: value {@code id} has writes that are not in the database yet. */
    private record Entry(String streamId, String id) {
    }

    /** What a flush writes for one value: the row, and the log entries it settles. */
    private record Pending(Row row, List<String> streamIds) {
    }

    /**
     * One flush: the entries this instance was given but did not acknowledge, entries claimed from instances that
     * went quiet, then new ones; coalesced to one row per id, written, acknowledged.
     */
    Uni<FlushResult> flushOnce() {
        return spans.around("write-behind.flush", this::untracedFlushOnce);
    }

    private Uni<FlushResult> untracedFlushOnce() {
        return ensureGroup()
                .flatMap(ignored -> readGroup("0"))
                // Redis lost the log with its consumer group (restarted empty, FLUSHALL, a failover to an empty
                // replica) and a write has created the log again without it: create the group, read again.
                .onFailure(failure -> "NOGROUP".equals(RedisErrors.replyCode(failure))).recoverWithUni(() -> {
                    LOG.warnf("write-behind %s: the log's consumer group is gone (Redis lost its data?); creating it"
                            + " again", name);
                    groupReady = false;
                    return ensureGroup().flatMap(ignored -> readGroup("0"));
                })
                .flatMap(own -> claimIdle().flatMap(claimed -> readGroup(">").map(fresh -> {
                    Map<String, Entry> all = new LinkedHashMap<>();
                    for (List<Entry> part : List.of(own, claimed, fresh)) {
                        part.forEach(entry -> all.putIfAbsent(entry.streamId(), entry));
                    }
                    return List.copyOf(all.values());
                })))
                .flatMap(this::apply)
                .call(this::observeBacklog)
                .call(this::removeIdleConsumers)
                .call(this::forgetExpiredIdempotencyRecords);
    }

    /** Starts flushing every {@code write-delay}, backing off exponentially while flushes fail. */
    void start() {
        if (running) {
            return;
        }
        running = true;
        if (partition == 0) {
            warnIfRedisMayEvict(); // once per write-behind, not once per partition
        }
        scheduleNext(spec.writeDelay());
    }

    /** Dirty values are safe from volatile-* eviction only; allkeys-* may evict acknowledged writes. Say so loudly. */
    private void warnIfRedisMayEvict() {
        store.maxmemoryPolicy().subscribe().with(policy -> {
            if (RedisStore.evictsKeysWithoutTtl(policy)) {
                LOG.errorf("write-behind %s: Redis' maxmemory-policy is %s: under memory pressure it may evict "
                        + "increments that are acknowledged but not yet in the database. Use noeviction or a "
                        + "volatile-* policy.", name, policy);
            }
        }, ignored -> { });
    }

    /**
     * Stops flushing on schedule, then flushes what is left for at most {@code bound}. Whatever remains stays in
     * the log, safe, for the next instance to flush.
     */
    void stop(Duration bound) {
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
        return doubled.compareTo(spec.maxFlushBackoff()) > 0 ? spec.maxFlushBackoff() : doubled;
    }

    private Uni<FlushResult> apply(List<Entry> entries) {
        if (entries.isEmpty()) {
            return Uni.createFrom().item(new FlushResult(0, 0, 0, false));
        }
        // Several entries may name one value (an entry claimed from a dead instance next to a newer one): the row
        // goes under the newest, and settles them all.
        Map<String, List<String>> streamIdsOf = new LinkedHashMap<>();
        for (Entry entry : entries) {
            streamIdsOf.computeIfAbsent(entry.id(), ignored -> new ArrayList<>()).add(entry.streamId());
        }
        return readValues(streamIdsOf).flatMap(pending -> {
            List<Row> batch = pending.stream().map(Pending::row).toList();
            // Only the database's failures are handled here; a failure to settle (Redis) fails the flush, which
            // leaves the entries to the next one.
            return writer.write(batch).onItemOrFailure().transformToUni((written, failure) -> {
                if (failure == null) {
                    return settle(pending).map(ignored -> {
                        recordLag(entries);
                        return new FlushResult(entries.size(), batch.size(), 0, false);
                    });
                }
                if (!writer.isRefusal(failure)) {
                    retries.increment();
                    LOG.warnf("write-behind %s: the database is unavailable (%s); %d rows wait in Redis", name,
                            failure.toString(), batch.size());
                    return Uni.createFrom().item(new FlushResult(entries.size(), 0, 0, true));
                }
                LOG.warnf("write-behind %s: a batch of %d rows failed (%s); retrying row by row", name,
                        batch.size(), failure.toString());
                return rowByRow(pending, entries.size());
            });
        });
    }

    /**
     * Reads the values the log entries name, as they are now, a chunk of values per round trip. A value Redis no
     * longer has yields no row: its entries are acknowledged at once, with nothing to write.
     */
    private Uni<List<Pending>> readValues(Map<String, List<String>> streamIdsOf) {
        List<String> ids = List.copyOf(streamIdsOf.keySet());
        Uni<List<Pending>> all = Uni.createFrom().item(new ArrayList<>());
        for (List<String> chunk : chunks(ids)) {
            // One chunk after the other: a script holds Redis while it runs, so each one stays short.
            all = all.flatMap(pending -> store.eval(READ, chunk.stream().map(hashes::valueKey).toList(), List.of())
                    .map(reply -> {
                        for (int i = 0; i < chunk.size(); i++) {
                            pending.add(pendingRow(chunk.get(i), streamIdsOf.get(chunk.get(i)), reply.get(i)));
                        }
                        return pending;
                    }));
        }
        return all.flatMap(pending -> {
            List<String> gone = pending.stream().filter(p -> p.row() == null)
                    .flatMap(p -> p.streamIds().stream()).toList();
            List<Pending> rows = pending.stream().filter(p -> p.row() != null).toList();
            return gone.isEmpty() ? Uni.createFrom().item(rows) : acknowledge(gone).replaceWith(rows);
        });
    }

    private Pending pendingRow(String id, List<String> streamIds, Response hash) {
        if (hash == null || hash.size() == 0) {
            // Dirty values carry no TTL: this is Redis losing data (an allkeys-* eviction, a restart without
            // persistence), and the writes acknowledged since the last flush of this value are gone.
            lost.increment();
            LOG.errorf("write-behind %s: %s is gone from Redis before its flush: its writes since the last flush are"
                    + " LOST (Redis evicted it under an allkeys-* policy, or lost its data)", name, id);
            return new Pending(null, streamIds);
        }
        Map<String, String> raw = CounterHashes.rawFields(hash);
        LogId newest = streamIds.stream().map(LogId::parse).max(LogId::compareTo).orElseThrow();
        return new Pending(new Row(id, hashes.counterValues(raw), newest, Long.parseLong(raw.getOrDefault("~revision", "0"))),
                streamIds);
    }

    /**
     * The rows are in the database: clear each value's marker, or give it a new entry if it was written since the
     * read; then acknowledge the entries. Counts the writes that reached the database.
     */
    private Uni<Void> settle(List<Pending> pending) {
        Uni<Void> chain = Uni.createFrom().voidItem();
        for (List<Pending> chunk : chunks(pending)) {
            List<String> keys = new ArrayList<>(chunk.stream().map(p -> hashes.valueKey(p.row().id())).toList());
            keys.add(log);
            List<Object> args = new ArrayList<>(List.of(CounterHashes.CLEAN_TTL.toMillis()));
            chunk.forEach(p -> {
                args.add(p.row().id());
                args.add(p.row().logId().toString());
                args.add(p.row().revision());
            });
            chain = chain.flatMap(ignored -> store.eval(SETTLE, keys, args)).invoke(reply -> {
                long writes = 0;
                for (Response count : reply) {
                    writes += count.toLong();
                }
                flushed.increment(writes);
                coalesced.increment(Math.max(0, writes - chunk.size()));
            }).replaceWithVoid();
        }
        List<String> streamIds = pending.stream().flatMap(p -> p.streamIds().stream()).toList();
        return chain.flatMap(ignored -> acknowledge(streamIds))
                .invoke(() -> streamIds.forEach(attempts::remove));
    }

    private static <T> List<List<T>> chunks(List<T> items) {
        List<List<T>> chunks = new ArrayList<>();
        for (int from = 0; from < items.size(); from += SCRIPT_CHUNK) {
            chunks.add(items.subList(from, Math.min(items.size(), from + SCRIPT_CHUNK)));
        }
        return chunks;
    }

    /** Isolates the rows that fail, so that one poison value never holds back the others. */
    private Uni<FlushResult> rowByRow(List<Pending> batch, int entries) {
        Uni<int[]> chain = Uni.createFrom().item(new int[] {0, 0}); // {written rows, dead-lettered entries}
        for (Pending pending : batch) {
            chain = chain.flatMap(counts -> writer.write(List.of(pending.row()))
                    .onItemOrFailure().transformToUni((written, failure) -> failure == null
                            ? settle(List.of(pending)).invoke(() -> counts[0]++).replaceWith(counts)
                            : failedRow(pending, failure, counts)));
        }
        return chain.map(counts -> new FlushResult(entries, counts[0], counts[1], counts[0] < batch.size()));
    }

    private Uni<int[]> failedRow(Pending pending, Throwable failure, int[] counts) {
        retries.increment();
        if (!writer.isRefusal(failure)) {
            return Uni.createFrom().item(counts);
        }
        boolean exhausted = false;
        for (String streamId : pending.streamIds()) {
            exhausted |= attempts.merge(streamId, 1, Integer::sum) >= spec.maxAttempts();
        }
        if (!exhausted) {
            return Uni.createFrom().item(counts);
        }
        counts[1] += pending.streamIds().size();
        return deadLetters.keep(pending.row(), pending.streamIds(), failure)
                .flatMap(ignored -> acknowledge(pending.streamIds()))
                .invoke(() -> pending.streamIds().forEach(attempts::remove))
                .replaceWith(counts).onFailure().recoverWithItem(counts);
    }

    /**
     * How long each entry waited between its creation and the database commit: the age of the oldest write the
     * row carried, since an entry is created by the first write after a flush.
     */
    private void recordLag(List<Entry> entries) {
        long now = System.currentTimeMillis();
        entries.forEach(entry -> flushLag.record(Duration.ofMillis(
                Math.max(0, now - LogId.parse(entry.streamId()).millis()))));
    }

    /**
     * XACK and XDEL in one script, a chunk of entries per call: the log keeps only what is not yet in the database.
     * A flush may settle three batches at once (its own, claimed, new), more ids than one Lua call can take.
     */
    private Uni<Void> acknowledge(List<String> streamIds) {
        Uni<Void> chain = Uni.createFrom().voidItem();
        for (List<String> chunk : chunks(streamIds)) {
            List<Object> args = new ArrayList<>(List.of(GROUP));
            args.addAll(chunk);
            chain = chain.flatMap(ignored -> store.eval(ACK, List.of(log), args).replaceWithVoid());
        }
        return chain;
    }

    private Uni<List<Entry>> readGroup(String from) {
        return store.command(Command.XREADGROUP, List.of("GROUP", GROUP, consumer, "COUNT", spec.batchSize(),
                "STREAMS", log, from)).map(this::streamEntries);
    }

    /**
     * Claims entries that another consumer has held unacknowledged for {@code claim-idle}, a batch at a time,
     * following XAUTOCLAIM's cursor across flushes so that a long list of pending entries is walked once rather
     * than from its start every time; back to the start when the cursor comes round.
     */
    private Uni<List<Entry>> claimIdle() {
        return store.command(Command.XAUTOCLAIM, List.of(log, GROUP, consumer, spec.claimIdle().toMillis(),
                claimCursor, "COUNT", spec.batchSize())).map(reply -> {
                    if (reply == null) {
                        return List.<Entry>of();
                    }
                    claimCursor = reply.get(0).toString();
                    return entries(reply.get(1));
                });
    }

    /**
     * Removes consumers of the group that own no entry and have not read for four times {@code claim-idle}: each
     * instance start adds one ({@code c-<uuid>}), and without this the group would list every instance that ever
     * ran. One that owns entries stays until they are claimed from it; a live one that was removed is added again
     * by its next read.
     */
    /**
     * Deletes the idempotency records whose TTL has passed (by Redis' clock, as the increment script wrote their
     * deadlines), a batch per flush. Any instance may: a record deleted twice is deleted.
     */
    private Uni<Void> forgetExpiredIdempotencyRecords() {
        String index = hashes.idempotencyIndex(partition);
        return store.command(Command.TIME, List.of())
                .map(time -> time.get(0).toLong() * 1000 + time.get(1).toLong() / 1000)
                .flatMap(now -> store.command(Command.ZRANGEBYSCORE,
                        List.of(index, "-inf", now, "LIMIT", 0, spec.batchSize())))
                .flatMap(expired -> {
                    if (expired == null || expired.size() == 0) {
                        return Uni.createFrom().voidItem();
                    }
                    List<String> records = new ArrayList<>();
                    expired.forEach(record -> records.add(record.toString()));
                    List<Object> removal = new ArrayList<>(List.of(index));
                    removal.addAll(records);
                    return store.delete(records)
                            .flatMap(ignored -> store.command(Command.ZREM, removal))
                            .replaceWithVoid();
                })
                .onFailure().recoverWithNull().replaceWithVoid(); // housekeeping: the next flush tries again
    }

    private Uni<Void> removeIdleConsumers() {
        Duration idleConsumer = spec.claimIdle().multipliedBy(4);
        if (System.nanoTime() - lastConsumerCleanup < idleConsumer.toNanos()) {
            return Uni.createFrom().voidItem();
        }
        lastConsumerCleanup = System.nanoTime();
        return store.command(Command.XINFO, List.of("CONSUMERS", log, GROUP)).flatMap(reply -> {
            List<Uni<Response>> removals = new ArrayList<>();
            for (Response info : reply) {
                String name = CounterHashes.field(info, "name");
                String owned = CounterHashes.field(info, "pending");
                String idle = CounterHashes.field(info, "idle");
                if (name != null && !consumer.equals(name) && "0".equals(owned) && idle != null
                        && Long.parseLong(idle) >= idleConsumer.toMillis()) {
                    removals.add(store.command(Command.XGROUP, List.of("DELCONSUMER", log, GROUP, name)));
                }
            }
            return removals.isEmpty() ? Uni.createFrom().voidItem()
                    : Uni.join().all(removals).andCollectFailures().replaceWithVoid();
        }).onFailure().recoverWithNull();
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

    /** How many log entries (values with writes not yet in the database) there were after the last flush. */
    long pending() {
        return pending.get();
    }

    /** When the oldest entry of the log was written (epoch millis) at the last flush; 0 when the log was empty. */
    long oldestMillis() {
        return oldestMillis.get();
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
            entries.add(new Entry(entry.get(0).toString(), CounterHashes.rawFields(entry.get(1)).get("id")));
        }
        return entries;
    }
}
