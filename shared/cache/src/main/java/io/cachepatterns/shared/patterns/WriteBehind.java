package io.cachepatterns.shared.patterns;

import io.cachepatterns.shared.config.CacheConfig.CacheSpec;
import io.cachepatterns.shared.core.LuaScript;
import io.cachepatterns.shared.core.RedisErrors;
import io.cachepatterns.shared.core.RedisStore;
import io.cachepatterns.shared.metrics.CacheMetrics;
import io.cachepatterns.shared.problem.ProblemException;
import io.cachepatterns.shared.stampede.GroupCommit;
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
import java.util.TreeMap;
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
 * <p><b>The log names dirty values, it does not queue writes.</b> A Redis Stream (the log) gets one entry when a
 * value turns dirty, and the value's hash remembers that entry (its marker); further writes to a dirty value append
 * nothing. A flush reads each named value as it is then, writes it, and settles the entry. So the log is as long as
 * the number of dirty values, not the number of writes: a hot counter costs one log entry per flush, and a database
 * outage of an hour leaves one entry per value written in that hour, not one per write.
 *
 * <p><b>Guarantees.</b>
 * <ul>
 *   <li>Nothing acknowledged is lost when the service dies: one Lua script updates the cached value and makes sure
 *       the log names it before the caller is answered. An entry is settled only after the database transaction
 *       that wrote the value has committed: if the value was written again since the flush read it, a new entry
 *       takes over the marker, else the marker goes; only then is the entry acknowledged and deleted (XACK and
 *       XDEL in one script).
 *       Entries a dead instance left unacknowledged are claimed by another after {@code claim-idle}
 *       (XAUTOCLAIM).</li>
 *   <li>Nothing is counted twice, and a later value never loses to an earlier one: rows carry absolute values and
 *       a version, {@code (log entry id, revision)}, where the revision counts the value's writes; the database
 *       keeps a row only if its version is newer than the stored one ({@link BatchWriter}), so a batch applied
 *       again after a crash between commit and acknowledgement changes nothing.</li>
 *   <li>Many updates of one key become one row per flush (coalescing): only the value at flush time matters.</li>
 *   <li>A batch that fails is retried row by row; a row that fails {@code max-attempts} times moves to the
 *       dead-letter stream and never blocks the rest. Dead letters can be listed and replayed. A failure the writer
 *       does not call a refusal of the rows ({@link BatchWriter#isRefusal}: the database is down) is only retried,
 *       with exponential backoff: an outage is not poison.</li>
 *   <li>If Redis itself dies, what it loses depends on its persistence: with {@code appendonly yes} and
 *       {@code appendfsync everysec}, at most about one second of acknowledged writes. If it comes back empty, the
 *       flusher creates its consumer group again and goes on; what it lost is counted and logged as an error
 *       ({@code write_behind_lost_total}), never acknowledged silently.</li>
 *   <li>Memory pressure evicts nothing acknowledged: a dirty value has no TTL until its flush is in the database,
 *       so a {@code volatile-*} maxmemory policy never picks it. An {@code allkeys-*} policy could: the service
 *       says so at start and in its readiness details.</li>
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
    private static final LuaScript READ = LuaScript.load("/io/cachepatterns/shared/core/write-behind-read.lua");
    private static final LuaScript SETTLE = LuaScript.load("/io/cachepatterns/shared/core/write-behind-settle.lua");
    private static final LuaScript ACK = LuaScript.load("/io/cachepatterns/shared/core/write-behind-ack.lua");
    private static final LuaScript RELEASE = LuaScript.load("/io/cachepatterns/shared/core/write-behind-release.lua");
    /** Values one flush script handles at most: a script holds Redis while it runs, so each one stays short. */
    private static final int SCRIPT_CHUNK = 256;
    private static final LuaScript INIT = LuaScript.load("/io/cachepatterns/shared/core/init-if-absent.lua");
    /** Values live long past any flush; the TTL only reclaims memory of keys nobody touches any more. */
    private static final Duration VALUE_TTL = Duration.ofDays(7);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);

    /** Reads a value's fields from the database; {@code null} or missing fields count as zero. */
    public interface Loader {
        Uni<Map<String, Long>> load(String id);
    }

    /**
     * Writes a batch of rows to the database in one transaction, keeping a row only where it is newer than the
     * stored one ({@link Row#isNewerThan}). Must be idempotent: the same batch may be applied twice.
     */
    public interface BatchWriter {
        Uni<Void> write(List<Row> rows);

        /**
         * Whether the database answered and refused these rows (bad data, a constraint, a trigger): the only
         * failures that count towards {@code max-attempts}. Any other failure (the database unreachable, shutting
         * down, out of connections, a table missing) says nothing about the rows; it is retried with backoff and
         * dead-letters nothing, however long it lasts. By default every failure is a refusal.
         */
        default boolean isRefusal(Throwable failure) {
            return true;
        }
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

    /**
     * One value to write: its fields' absolute values, read at its {@code revision} (its count of writes in Redis)
     * and flushed under log entry {@code logId}. Of two rows of one value, the one with the greater
     * {@code (logId, revision)} is the newer.
     */
    public record Row(String id, Map<String, Long> values, LogId logId, long revision) {

        /** Whether this row is newer than {@code other}, a row of the same value. */
        public boolean isNewerThan(Row other) {
            int byLog = logId.compareTo(other.logId);
            return byLog != 0 ? byLog > 0 : revision > other.revision;
        }
    }

    /** A log entry that failed too often, as kept in the dead-letter stream. */
    public record DeadLetter(String deadLetterId, String id, Map<String, Long> values, String error) {
    }

    /** What one flush did: log entries handled, rows written, entries dead-lettered, and whether a row failed. */
    public record FlushResult(int entries, int rows, int deadLettered, boolean failed) {
    }

    /** A log entry: value {@code id} has writes that are not in the database yet. */
    private record Entry(String streamId, String id) {
    }

    /** What a flush writes for one value: the row, and the log entries it settles. */
    private record Pending(Row row, List<String> streamIds) {
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
    private final GroupCommit<Map<String, Long>, Map<String, Long>> groupCommit =
            new GroupCommit<>(this::incrementTogether);
    private final AtomicLong pending = new AtomicLong();
    private final AtomicLong oldestMillis = new AtomicLong();
    private final Counter flushed;
    private final Counter coalesced;
    private final Counter retries;
    private final Counter deadLetters;
    private final Counter lost;
    private final Timer flushLag;
    private volatile boolean groupReady;
    private volatile String claimCursor = "0-0";
    private volatile long lastConsumerCleanup = System.nanoTime();
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
        this.lost = registry.counter(CacheMetrics.WRITE_BEHIND_LOST, tags);
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
     * absolute values once Redis has both the values and the log entry. Increments of one value that arrive while
     * another is on its way to Redis go together in the next script call ({@link GroupCommit}); each caller is
     * answered with the values after that call.
     */
    public Uni<Map<String, Long>> increment(String id, Map<String, Long> increments) {
        increments.keySet().forEach(this::requireField);
        return groupCommit.submit(id, increments);
    }

    /** What an increment answered: the values after it, and whether it was a retry answered as the first time. */
    public record Applied(Map<String, Long> values, boolean replayed) {
    }

    /**
     * {@link #increment}, applied at most once for {@code idempotencyKey} (a client's {@code Idempotency-Key},
     * unique per value): a retry with the same key, within {@code idempotency-ttl}, applies nothing and answers as
     * the first call did. The answer is stored with the increment, in the same script, so no failure in between
     * can apply a write without its record. {@code null}: no key, as {@link #increment}. A key used before for
     * other increments of this value fails with a 422 problem.
     */
    public Uni<Applied> increment(String id, Map<String, Long> increments, String idempotencyKey) {
        if (idempotencyKey == null) {
            return increment(id, increments).map(values -> new Applied(values, false));
        }
        increments.keySet().forEach(this::requireField);
        // Alone, not in a group commit: the record answers for this request's increments only.
        List<Object> args = new ArrayList<>(List.of(id, 1, new TreeMap<>(increments).toString(),
                spec.idempotencyTtl().toMillis()));
        increments.forEach((field, delta) -> {
            args.add(field);
            args.add(delta);
        });
        return incrementOnce(id, idempotencyKey, args);
    }

    private Uni<Applied> incrementOnce(String id, String idempotencyKey, List<Object> args) {
        return store.eval(INCREMENT, List.of(valueKey(id), log, keyPrefix + "idem:" + id + ":" + idempotencyKey), args)
                .onFailure(failure -> "IDEMPOTENCY".equals(RedisErrors.replyCode(failure))).transform(failure ->
                        ProblemException.unprocessable("Idempotency-Key",
                                "this key was used before for a different request; use a new key for a new request"))
                .flatMap(reply -> reply == null
                        ? cacheFromDatabase(id, true).flatMap(ignored -> incrementOnce(id, idempotencyKey, args))
                        : Uni.createFrom().item(new Applied(withAllFields(fieldMap(reply)),
                                reply.size() > 0 && "~replayed".equals(reply.get(0).toString()))));
    }

    /** One script call for the increments of one value, applied in order as if one after the other. */
    private Uni<Map<String, Long>> incrementTogether(String id, List<Map<String, Long>> increments) {
        List<Object> args = new ArrayList<>(List.of(id, increments.size(), "", 0));
        // Consecutive additions to one field add up to one step; a subtraction stays a step of its own, since it
        // may hit the floor of zero (-1 then +1 from zero ends at 1, not at 0).
        Map<String, Integer> lastStepOf = new HashMap<>();
        for (Map<String, Long> increment : increments) {
            increment.forEach((field, delta) -> {
                Integer last = lastStepOf.get(field);
                if (last != null && delta >= 0 && (Long) args.get(last + 1) >= 0) {
                    args.set(last + 1, (Long) args.get(last + 1) + delta);
                } else {
                    lastStepOf.put(field, args.size());
                    args.add(field);
                    args.add(delta);
                }
            });
        }
        return store.eval(INCREMENT, List.of(valueKey(id), log), args).flatMap(reply -> reply == null
                // Not cached: load from the database first, so that the count goes on from there.
                ? cacheFromDatabase(id, true).flatMap(ignored -> incrementTogether(id, increments))
                : Uni.createFrom().item(withAllFields(fieldMap(reply))));
    }

    /** The current values: from Redis, or from the database if Redis does not have them (then cached). */
    public Uni<Map<String, Long>> read(String id) {
        return store.command(Command.HGETALL, List.of(valueKey(id))).flatMap(reply -> {
            Map<String, Long> values = fieldMap(reply);
            return values.isEmpty() ? cacheFromDatabase(id, false) : Uni.createFrom().item(withAllFields(values));
        });
    }

    /**
     * One flush: the entries this instance was given but did not acknowledge, entries claimed from instances that
     * went quiet, then new ones; coalesced to one row per id, written, acknowledged.
     */
    public Uni<FlushResult> flushOnce() {
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
                .call(this::removeIdleConsumers);
    }

    /** Starts flushing every {@code write-delay}, backing off exponentially while flushes fail. */
    public void start() {
        if (running) {
            return;
        }
        running = true;
        warnIfRedisMayEvict();
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
                letters.add(new DeadLetter(entry.get(0).toString(), raw.get("id"), counterValues(raw),
                        raw.get("error")));
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
        // A write of nothing marks the value dirty again; the flush then takes its current value, not the dead one:
        // the counter may have moved on since.
        return increment(letter.id(), Map.of())
                .flatMap(ignored -> store.command(Command.XDEL, List.of(dead, letter.deadLetterId())))
                .replaceWithVoid();
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
        return read(streamIdsOf).flatMap(pending -> {
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
    private Uni<List<Pending>> read(Map<String, List<String>> streamIdsOf) {
        List<String> ids = List.copyOf(streamIdsOf.keySet());
        Uni<List<Pending>> all = Uni.createFrom().item(new ArrayList<>());
        for (List<String> chunk : chunks(ids)) {
            // One chunk after the other: a script holds Redis while it runs, so each one stays short.
            all = all.flatMap(pending -> store.eval(READ, chunk.stream().map(this::valueKey).toList(), List.of())
                    .map(reply -> {
                        for (int i = 0; i < chunk.size(); i++) {
                            pending.add(pending(chunk.get(i), streamIdsOf.get(chunk.get(i)), reply.get(i)));
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

    private Pending pending(String id, List<String> streamIds, Response hash) {
        if (hash == null || hash.size() == 0) {
            // Dirty values carry no TTL: this is Redis losing data (an allkeys-* eviction, a restart without
            // persistence), and the writes acknowledged since the last flush of this value are gone.
            lost.increment();
            LOG.errorf("write-behind %s: %s is gone from Redis before its flush: its writes since the last flush are"
                    + " LOST (Redis evicted it under an allkeys-* policy, or lost its data)", name, id);
            return new Pending(null, streamIds);
        }
        Map<String, String> raw = rawFields(hash);
        LogId newest = streamIds.stream().map(LogId::parse).max(LogId::compareTo).orElseThrow();
        return new Pending(new Row(id, counterValues(raw), newest, Long.parseLong(raw.getOrDefault("~revision", "0"))),
                streamIds);
    }

    /**
     * The rows are in the database: clear each value's marker, or give it a new entry if it was written since the
     * read; then acknowledge the entries. Counts the writes that reached the database.
     */
    private Uni<Void> settle(List<Pending> pending) {
        Uni<Void> chain = Uni.createFrom().voidItem();
        for (List<Pending> chunk : chunks(pending)) {
            List<String> keys = new ArrayList<>(chunk.stream().map(p -> valueKey(p.row().id())).toList());
            keys.add(log);
            List<Object> args = new ArrayList<>(List.of(VALUE_TTL.toMillis()));
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
        return deadLetter(pending, failure).replaceWith(counts).onFailure().recoverWithItem(counts);
    }

    /**
     * Keeps the refused values in the dead-letter stream, frees the value's marker (its next write starts a new
     * entry), and acknowledges the entries.
     */
    private Uni<Void> deadLetter(Pending pending, Throwable failure) {
        Row row = pending.row();
        List<Object> args = new ArrayList<>(List.of(dead, "*", "id", row.id()));
        row.values().forEach((field, value) -> {
            args.add(field);
            args.add(value);
        });
        args.add("error");
        args.add(String.valueOf(failure.getMessage()));
        LOG.errorf("write-behind %s: %s was refused %d times (log entries %s); moved to %s", name, row.id(),
                spec.maxAttempts(), pending.streamIds(), dead);
        return store.command(Command.XADD, args)
                .flatMap(ignored -> store.eval(RELEASE, List.of(valueKey(row.id())), List.of(row.logId().toString())))
                .flatMap(ignored -> acknowledge(pending.streamIds()))
                .invoke(() -> {
                    deadLetters.increment();
                    pending.streamIds().forEach(attempts::remove);
                });
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

    /** XACK, then XDEL: the log keeps only what is not yet in the database. */
    private Uni<Void> acknowledge(List<String> streamIds) {
        List<Object> args = new ArrayList<>(List.of(GROUP));
        args.addAll(streamIds);
        return store.eval(ACK, List.of(log), args).replaceWithVoid();
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
    private Uni<Void> removeIdleConsumers() {
        Duration idleConsumer = spec.claimIdle().multipliedBy(4);
        if (System.nanoTime() - lastConsumerCleanup < idleConsumer.toNanos()) {
            return Uni.createFrom().voidItem();
        }
        lastConsumerCleanup = System.nanoTime();
        return store.command(Command.XINFO, List.of("CONSUMERS", log, GROUP)).flatMap(reply -> {
            List<Uni<Response>> removals = new ArrayList<>();
            for (Response info : reply) {
                String name = field(info, "name");
                String owned = field(info, "pending");
                String idle = field(info, "idle");
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
    public long pending() {
        return pending.get();
    }

    /**
     * Loads a value from the database and caches it, so that counting goes on from there. A read of a value the
     * database does not have caches nothing ({@code forWrite} false): anonymous reads of made-up ids must not fill
     * Redis with zeros.
     */
    private Uni<Map<String, Long>> cacheFromDatabase(String id, boolean forWrite) {
        return loader.load(id).flatMap(loaded -> {
            Map<String, Long> values = withAllFields(loaded == null ? Map.of() : loaded);
            if (loaded == null && !forWrite) {
                return Uni.createFrom().item(values);
            }
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
            entries.add(new Entry(entry.get(0).toString(), rawFields(entry.get(1)).get("id")));
        }
        return entries;
    }

    /** A field of a reply that is a map (RESP3) or a flat list of pairs (RESP2); {@code null} if absent. */
    private static String field(Response reply, String name) {
        try {
            if (reply.containsKey(name)) {
                return reply.get(name).toString();
            }
        } catch (UnsupportedOperationException notAMap) {
            // RESP2: a flat list
        }
        return rawFields(reply).get(name);
    }

    private static Map<String, String> rawFields(Response pairs) {
        Map<String, String> raw = new LinkedHashMap<>();
        for (int i = 0; i + 1 < pairs.size(); i += 2) {
            raw.put(pairs.get(i).toString(), pairs.get(i + 1).toString());
        }
        return raw;
    }

    /**
     * The counter fields of a hash, without the '~' bookkeeping fields. HGETALL answers a map (RESP3) or a flat list
     * (RESP2); a script answers a flat list.
     */
    private Map<String, Long> fieldMap(Response reply) {
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
    private Map<String, Long> counterValues(Map<String, String> raw) {
        Map<String, Long> values = new LinkedHashMap<>();
        fields.forEach(field -> values.put(field, Long.parseLong(raw.getOrDefault(field, "0"))));
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
