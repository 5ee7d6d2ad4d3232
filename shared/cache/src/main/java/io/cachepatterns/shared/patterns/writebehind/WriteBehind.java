package io.cachepatterns.shared.patterns.writebehind;

import io.cachepatterns.shared.config.CacheConfig.CacheSpec;
import io.cachepatterns.shared.core.RedisStore;
import io.cachepatterns.shared.metrics.CacheMetrics;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Tags;
import io.smallrye.mutiny.Uni;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

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
 * streams; one hash tag, so that one script may touch a value and the log on Redis Cluster. One tag is one slot, so
 * one primary of a cluster takes all of it: {@code log-partitions} N splits the values, their logs and dead letters
 * into N tags ({@link CounterHashes}) spread over the primaries, each partition flushed on its own.
 *
 * <p><b>Roles</b>, one file each in this package: {@link Writer} (the increment script, group commit, idempotency
 * keys), {@link Flusher} (read, write, settle, acknowledge, claim), {@link DeadLetters} (refused values, listed and
 * replayed), {@link CounterHashes} (the keys and the shape of the data in Redis). This class wires them and is the
 * pattern's one entry point.
 */
public class WriteBehind {

    public static final String PATTERN = "write-behind";
    public static final String GROUP = "flushers";

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

    /** What an increment answered: the values after it, and whether it was a retry answered as the first time. */
    public record Applied(Map<String, Long> values, boolean replayed) {
    }

    private final String name;
    private final Writer writes;
    private final List<Flusher> flushers;
    private final DeadLetters deadLetters;

    public WriteBehind(String service, String name, List<String> fields, CacheSpec spec, RedisStore store,
                       Loader loader, BatchWriter writer, CacheMetrics metrics) {
        this.name = name;
        CounterHashes hashes = new CounterHashes(service, name, spec.schemaVersion(), fields, spec.logPartitions());
        Tags tags = Tags.of("cache", name, "pattern", PATTERN);
        this.writes = new Writer(hashes, store, loader, spec);
        this.deadLetters = new DeadLetters(hashes, store, writes, spec,
                metrics.registry().counter(CacheMetrics.WRITE_BEHIND_DEAD_LETTERS, tags));
        this.flushers = IntStream.range(0, hashes.partitions())
                .mapToObj(partition -> new Flusher(hashes, partition, store, writer, deadLetters, spec, metrics, tags))
                .toList();
        Gauge.builder(CacheMetrics.WRITE_BEHIND_PENDING, this, WriteBehind::pending).tags(tags)
                .register(metrics.registry());
        Gauge.builder(CacheMetrics.WRITE_BEHIND_LAG, this, WriteBehind::lagSeconds).tags(tags).baseUnit("seconds")
                .register(metrics.registry());
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
        return writes.increment(id, increments);
    }

    /**
     * {@link #increment}, applied at most once for {@code idempotencyKey} (a client's {@code Idempotency-Key},
     * unique per value): a retry with the same key, within {@code idempotency-ttl}, applies nothing and answers as
     * the first call did. The answer is stored with the increment, in the same script, so no failure in between
     * can apply a write without its record. {@code null}: no key, as {@link #increment}. A key used before for
     * other increments of this value fails with a 422 problem.
     */
    public Uni<Applied> increment(String id, Map<String, Long> increments, String idempotencyKey) {
        return writes.increment(id, increments, idempotencyKey);
    }

    /** The current values: from Redis, or from the database if Redis does not have them (then cached). */
    public Uni<Map<String, Long>> read(String id) {
        return writes.read(id);
    }

    /**
     * One flush: the entries this instance was given but did not acknowledge, entries claimed from instances that
     * went quiet, then new ones; coalesced to one row per id, written, acknowledged.
     */
    public Uni<FlushResult> flushOnce() {
        // Partitions one after the other: each flush is a batch of its own, and a test's flushOnce() then leaves
        // every partition flushed.
        Uni<FlushResult> all = Uni.createFrom().item(new FlushResult(0, 0, 0, false));
        for (Flusher flusher : flushers) {
            all = all.flatMap(sum -> flusher.flushOnce().map(one -> new FlushResult(sum.entries() + one.entries(),
                    sum.rows() + one.rows(), sum.deadLettered() + one.deadLettered(), sum.failed() || one.failed())));
        }
        return all;
    }

    /**
     * Starts flushing every {@code write-delay}, backing off exponentially while flushes fail: each partition of
     * the log on a schedule of its own, so that one partition's outage (its primary failing over) holds up no other.
     */
    public void start() {
        flushers.forEach(Flusher::start);
    }

    /**
     * Stops flushing on schedule, then flushes what is left for at most {@code bound}. Whatever remains stays in
     * the log, safe, for the next instance to flush.
     */
    public void stop(Duration bound) {
        long deadline = System.nanoTime() + bound.toNanos();
        for (Flusher flusher : flushers) {
            flusher.stop(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
        }
    }

    /** The dead letters, oldest first. */
    public Uni<List<DeadLetter>> deadLetters() {
        return deadLetters.list();
    }

    /** Moves every dead letter back to the log, to be flushed again; answers how many. */
    public Uni<Integer> replayDeadLetters() {
        return deadLetters.replay();
    }

    /** How many log entries (values with writes not yet in the database) there were after the last flush. */
    public long pending() {
        return flushers.stream().mapToLong(Flusher::pending).sum();
    }

    /** How long the oldest write not yet in the database has waited, as of each partition's last flush. */
    private double lagSeconds() {
        long oldest = flushers.stream().mapToLong(Flusher::oldestMillis).filter(millis -> millis > 0).min().orElse(0);
        return oldest == 0 ? 0 : (System.currentTimeMillis() - oldest) / 1000.0;
    }
}
