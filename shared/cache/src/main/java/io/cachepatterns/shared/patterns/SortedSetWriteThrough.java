package io.cachepatterns.shared.patterns;

import io.cachepatterns.shared.core.CacheSettings;
import io.cachepatterns.shared.core.Detached;
import io.cachepatterns.shared.core.LuaScript;
import io.cachepatterns.shared.core.PendingRepairs;
import io.cachepatterns.shared.core.RedisStore;
import io.cachepatterns.shared.core.VertxContexts;
import io.cachepatterns.shared.metrics.CacheMetrics;
import io.cachepatterns.shared.problem.ProblemException;
import io.cachepatterns.shared.stampede.Lease;
import io.cachepatterns.shared.stampede.SingleFlight;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Tags;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.vertx.core.Context;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Response;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * Write-through on a Redis sorted set: a ranking (a leaderboard) whose scores are committed to the database first,
 * then added to the sorted set, so that ranks are read from Redis in O(log n).
 *
 * <p><b>Trade-off.</b> A score write pays both stores; a rank read costs one Redis command, however many players.
 *
 * <p><b>Guarantees.</b>
 * <ul>
 *   <li>Scores only ever rise ({@code ZADD GT}): a rebuild racing a new score, or two writers racing each other,
 *       can never lower a member's score.</li>
 *   <li>A set is read only while its completeness marker exists; the marker is set by a full rebuild from the
 *       database, so a set that Redis lost and one write re-created is never mistaken for the whole ranking.</li>
 *   <li>A write that could not reach the set is never masked by a rebuild: the failure drops the marker and raises
 *       the set's generation, and a rebuild marks the set complete only if the generation is still the one it began
 *       under. That repair is sent before the write is answered, past the breaker, and again until Redis takes it or
 *       {@code cache-store.repair-wait} (1 s) has passed, so that another instance, which Redis may be answering
 *       while this one alone times out, never reads the ranking without the score. Only a writer cut off from Redis
 *       for longer answers first, and repairs in the background every 250 ms ({@link PendingRepairs}): within that
 *       of Redis answering again, before an instance that saw the outage lowers its fence; this instance reads the
 *       set from the database meanwhile. The marker lives {@code ttl} (an hour by default), so even a repair lost
 *       with its instance is made good by the next rebuild within that time.</li>
 *   <li>A committed score reaches the set (or the set is marked incomplete) even when its writer's caller gives up
 *       while the commit is under way: the write runs detached from the request.</li>
 *   <li>One rebuild of a set at a time across instances (a lease); others wait briefly for it, or answer from the
 *       database meanwhile.</li>
 *   <li>Reading a ranking that does not exist leaves only a short-lived marker ({@code absent-ttl}), no set.</li>
 *   <li>While Redis fails, ranks are computed from the database (slower, never wrong), on a worker thread: never
 *       a whole ranking sorted on the event loop.</li>
 *   <li>A read answers within {@code load-timeout} (5 s), its rebuild and its fallback to the database included, or
 *       fails with a 503 problem; a rebuild it started goes on and completes the set for the next read.</li>
 * </ul>
 * Nothing is lost: the database holds every score.
 */
public class SortedSetWriteThrough {

    public static final String PATTERN = "write-through";

    private static final Logger LOG = Logger.getLogger(SortedSetWriteThrough.class);
    private static final LuaScript TOP = LuaScript.load("/io/cachepatterns/shared/core/ranking-top.lua");
    private static final LuaScript RANK = LuaScript.load("/io/cachepatterns/shared/core/ranking-rank.lua");
    private static final LuaScript COMPLETE = LuaScript.load("/io/cachepatterns/shared/core/ranking-complete.lua");
    private static final LuaScript INCOMPLETE = LuaScript.load(
            "/io/cachepatterns/shared/core/ranking-incomplete.lua");
    private static final int REBUILD_CHUNK = 1000;
    private static final Duration REBUILD_POLL = Duration.ofMillis(20);

    /** A member and its score, as the database has it. */
    public record Scored(String member, long score) {
    }

    /** A member's place: rank 1 is the highest score. */
    public record Ranked(long rank, String member, long score) {
    }

    private final String name;
    private final String keyPrefix;
    private final RedisStore store;
    private final Counter rebuildCount;
    private final Counter writeFailures;
    private final Counter degraded;
    private final CacheSettings settings;
    private final Lease lease;
    private final SingleFlight<Void> rebuilds = new SingleFlight<>();
    /** Sets whose marker must be dropped and Redis has not taken it yet, by marker key. */
    private final PendingRepairs repairs;

    /**
     * @param settings {@code ttl}: how long a rebuilt set is trusted before the next rebuild; {@code absent-ttl}: the
     *                 same for a ranking with no scores; {@code lease-time} and {@code lease-wait}: the rebuild lease
     */
    public SortedSetWriteThrough(String service, String name, CacheSettings settings, RedisStore store,
                                 CacheMetrics metrics) {
        this.name = name;
        this.keyPrefix = service + ":" + name + ":v1:{";
        this.store = store;
        this.settings = settings;
        this.lease = new Lease(store);
        this.repairs = new PendingRepairs(store.repairWait());
        Tags tags = Tags.of("cache", name, "pattern", PATTERN);
        this.rebuildCount = metrics.registry().counter(CacheMetrics.SORTED_SET_REBUILDS, tags);
        this.writeFailures = metrics.registry().counter(CacheMetrics.WRITE_FAILURES, tags);
        this.degraded = metrics.registry().counter(CacheMetrics.DEGRADED, tags);
    }

    /**
     * Commits the score ({@code commit} answers the member's stored score), then adds it to the sorted set. Detached
     * ({@link Detached}): a caller that gives up once the commit was sent (a client that disconnected) stops only its
     * own wait; the {@code ZADD}, or the repair that marks the set incomplete, still follows the commit.
     */
    public Uni<Long> write(String set, String member, Supplier<Uni<Long>> commit) {
        return Detached.run(() -> commit.get()
                .call(stored -> store.command(Command.ZADD, List.of(key(set), "GT", stored, member))
                        .replaceWithVoid()
                        .onFailure().recoverWithUni(failure -> {
                            writeFailures.increment();
                            LOG.warnf("ranking %s: adding %s to %s failed after the commit (%s); it will be rebuilt",
                                    name, member, set, failure.toString());
                            // Before answering: another instance may be reading the set now, its fence down (this
                            // instance alone may have timed out). Until it lands or repair-wait; then in the background.
                            return markIncomplete(set);
                        })));
    }

    /** The top {@code limit} members, rebuilding the set from {@code all} first if it is not complete. */
    public Uni<List<Ranked>> top(String set, int limit, Supplier<Uni<List<Scored>>> all) {
        return withinLoadTimeout(set, Uni.createFrom().deferred(() -> {
            Context caller = VertxContexts.current();
            return readComplete(set, all, () -> store.eval(TOP, keys(set), List.of(limit - 1)))
                    .map(SortedSetWriteThrough::ranked)
                    .onFailure().recoverWithUni(failure -> fromDatabase(caller, all, ranking ->
                            ranking.subList(0, Math.min(limit, ranking.size()))));
        }));
    }

    /** A member's rank and score, or {@code null} if it has none. */
    public Uni<Ranked> rank(String set, String member, Supplier<Uni<List<Scored>>> all) {
        return withinLoadTimeout(set, Uni.createFrom().deferred(() -> {
            Context caller = VertxContexts.current();
            return readComplete(set, all, () -> store.eval(RANK, keys(set), List.of(member)))
                    .map(reply -> reply.size() == 0 ? null : new Ranked(reply.get(0).toLong() + 1, member,
                            (long) Double.parseDouble(reply.get(1).toString())))
                    .onFailure().recoverWithUni(failure -> fromDatabase(caller, all, ranking -> ranking.stream()
                            .filter(ranked -> ranked.member().equals(member)).findFirst().orElse(null)));
        }));
    }

    /**
     * A read, its rebuild and its fallback to the database together take at most {@code load-timeout}, then fail
     * (a 503 problem). A rebuild under way is not cancelled by a reader that gives up: it runs in a single flight and
     * completes the set for the next read.
     */
    private <R> Uni<R> withinLoadTimeout(String set, Uni<R> read) {
        return read.ifNoItem().after(settings.loadTimeout()).failWith(() -> ProblemException.unavailable("ranking "
                + name + ": " + set + " could not be read within " + settings.loadTimeout().toMillis()
                + " ms; try again shortly"));
    }

    /**
     * Without Redis: the whole ranking from the database, sorted on a worker thread, not on the event loop. The
     * query runs, and the answer arrives, on the caller's context, captured when the read began: Redis' failure
     * may be reported on another thread (a timeout, the breaker), and a reactive database session is bound to
     * the context it was opened on.
     */
    private <R> Uni<R> fromDatabase(Context caller, Supplier<Uni<List<Scored>>> all,
                                    java.util.function.Function<List<Ranked>, R> pick) {
        degraded.increment();
        return VertxContexts.runOn(caller, all)
                .emitOn(Infrastructure.getDefaultWorkerPool())
                .map(scores -> pick.apply(rankedFromDatabase(scores)))
                .emitOn(VertxContexts.on(caller));
    }

    /**
     * One script call on the common path; a missing marker means: rebuild (one at a time: per instance, a single
     * flight; across instances, a lease), then read again. A read that still finds no marker (another instance's
     * rebuild outlasted the wait, or a write raised the generation meanwhile) answers from the database.
     */
    private Uni<Response> readComplete(String set, Supplier<Uni<List<Scored>>> all, Supplier<Uni<Response>> read) {
        if (store.readsFenced() || repairs.isPending(marker(set))) {
            // Redis failed a moment ago: a score it missed may not be marked yet, so the set may lack it.
            return Uni.createFrom().failure(new RedisStore.FencedReadException());
        }
        return read.get().flatMap(reply -> reply != null
                ? Uni.createFrom().item(reply)
                : rebuilds.run(set, () -> rebuildUnderLease(set, all)).flatMap(ignored -> read.get())
                        .onItem().ifNull().failWith(() -> new IllegalStateException(set + " is not complete yet")));
    }

    private Uni<Void> rebuildUnderLease(String set, Supplier<Uni<List<Scored>>> all) {
        String leaseKey = key(set) + ":rebuilding";
        return lease.tryAcquire(leaseKey, settings.leaseTime()).flatMap(token -> token == null
                ? awaitMarker(set, System.nanoTime() + settings.leaseWait().toNanos())
                : rebuild(set, all).onTermination().call(() -> lease.release(leaseKey, token)));
    }

    /** Another instance is rebuilding: wait for its marker, at most until {@code deadline}. */
    private Uni<Void> awaitMarker(String set, long deadline) {
        return store.get(marker(set)).flatMap(marked -> {
            if (marked != null || System.nanoTime() >= deadline) {
                return Uni.createFrom().voidItem();
            }
            return VertxContexts.sleep(VertxContexts.current(), REBUILD_POLL)
                    .flatMap(ignored -> awaitMarker(set, deadline));
        });
    }

    /**
     * Adds every score from the database ({@code ZADD GT}: a score written meanwhile is never lowered), then marks
     * the set complete, if no write failed to reach it meanwhile (the generation). A write that commits during the
     * rebuild adds its own score either way.
     */
    private Uni<Void> rebuild(String set, Supplier<Uni<List<Scored>>> all) {
        rebuildCount.increment();
        return store.get(generation(set)).flatMap(seen -> Uni.createFrom().deferred(all::get).flatMap(scores -> {
            Uni<Void> chain = Uni.createFrom().voidItem();
            for (int from = 0; from < scores.size(); from += REBUILD_CHUNK) {
                List<Object> args = new ArrayList<>(List.of(key(set), "GT"));
                for (Scored scored : scores.subList(from, Math.min(scores.size(), from + REBUILD_CHUNK))) {
                    args.add(scored.score());
                    args.add(scored.member());
                }
                chain = chain.flatMap(ignored -> store.command(Command.ZADD, args).replaceWithVoid());
            }
            Duration trusted = scores.isEmpty() ? settings.absentTtl() : settings.ttl();
            return chain.flatMap(ignored -> store.eval(COMPLETE, List.of(marker(set), generation(set)),
                    List.of(seen == null ? "" : seen.toString(), Math.max(1, trusted.toMillis())))).replaceWithVoid();
        }));
    }

    /**
     * For a write whose score could not be added after its commit (also for tests): drops the completeness marker and
     * raises the generation, past the breaker; answers once Redis has taken it, or after {@code repair-wait} with the
     * repair still going on in the background.
     */
    public Uni<Void> markIncomplete(String set) {
        return repairs.repair(marker(set), () -> store.evalDespiteBreaker(INCOMPLETE,
                List.of(marker(set), generation(set)), List.of()));
    }

    /** Redis' order, computed in memory: score descending, ties by member descending. */
    private static List<Ranked> rankedFromDatabase(List<Scored> scores) {
        List<Scored> sorted = new ArrayList<>(scores);
        sorted.sort(Comparator.comparingLong(Scored::score).thenComparing(Scored::member).reversed());
        List<Ranked> ranking = new ArrayList<>(sorted.size());
        for (Scored scored : sorted) {
            ranking.add(new Ranked(ranking.size() + 1, scored.member(), scored.score()));
        }
        return ranking;
    }

    /** ZREVRANGE … WITHSCORES from a script: [member, score, member, score, …]. */
    private static List<Ranked> ranked(Response reply) {
        List<Ranked> ranked = new ArrayList<>();
        for (int i = 0; i + 1 < reply.size(); i += 2) {
            ranked.add(new Ranked(ranked.size() + 1, reply.get(i).toString(),
                    (long) Double.parseDouble(reply.get(i + 1).toString())));
        }
        return ranked;
    }

    private List<String> keys(String set) {
        return List.of(key(set), marker(set));
    }

    private String marker(String set) {
        return key(set) + ":complete";
    }

    private String generation(String set) {
        return key(set) + ":gen";
    }

    private String key(String set) {
        if (set.indexOf('{') >= 0 || set.indexOf('}') >= 0) {
            throw new IllegalArgumentException("set name must be free of braces: " + set);
        }
        return keyPrefix + set + "}";
    }
}
