package io.cachepatterns.shared.patterns;

import io.cachepatterns.shared.core.RedisStore;
import io.cachepatterns.shared.metrics.CacheMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Tags;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Response;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * Write-through on a Redis sorted set: a ranking (a leaderboard) whose scores are committed to the database first,
 * then added to the sorted set, so that ranks are read from Redis in O(log n).
 *
 * <p><b>Trade-off.</b> A score write pays both stores; a rank read costs one Redis command, however many players.
 *
 * <p><b>Guarantees.</b> Scores only ever rise ({@code ZADD GT}): a rebuild from the database racing a new score, or
 * two writers racing each other, can never lower a member's score. If the sorted set is missing (Redis flushed or
 * restarted), the next read rebuilds it from the database. If adding a score fails after its commit, the sorted set
 * is deleted (retried in the background), so the next read rebuilds it rather than serve a rank without that
 * score. While Redis fails, ranks are computed from the database (slower, never wrong). Nothing is lost: the
 * database holds every score.
 */
public class SortedSetWriteThrough {

    public static final String PATTERN = "write-through";

    private static final Logger LOG = Logger.getLogger(SortedSetWriteThrough.class);
    private static final int REBUILD_CHUNK = 1000;

    /** A member and its score, as the database has it. */
    public record Scored(String member, long score) {
    }

    /** A member's place: rank 1 is the highest score. */
    public record Ranked(long rank, String member, long score) {
    }

    private final String name;
    private final String keyPrefix;
    private final RedisStore store;
    private final Counter rebuilds;
    private final Counter writeFailures;
    private final Counter degraded;

    public SortedSetWriteThrough(String service, String name, RedisStore store, CacheMetrics metrics) {
        this.name = name;
        this.keyPrefix = service + ":" + name + ":v1:{";
        this.store = store;
        Tags tags = Tags.of("cache", name, "pattern", PATTERN);
        this.rebuilds = metrics.registry().counter(CacheMetrics.SORTED_SET_REBUILDS, tags);
        this.writeFailures = metrics.registry().counter(CacheMetrics.WRITE_FAILURES, tags);
        this.degraded = metrics.registry().counter(CacheMetrics.DEGRADED, tags);
    }

    /** Commits the score ({@code commit} answers the member's stored score), then adds it to the sorted set. */
    public Uni<Long> write(String set, String member, Supplier<Uni<Long>> commit) {
        return Uni.createFrom().deferred(() -> commit.get())
                .call(stored -> store.command(Command.ZADD, List.of(key(set), "GT", stored, member))
                        .onFailure().recoverWithUni(failure -> {
                            writeFailures.increment();
                            LOG.warnf("ranking %s: adding %s to %s failed after the commit (%s); dropping the set",
                                    name, member, set, failure.toString());
                            forget(set);
                            return Uni.createFrom().nullItem();
                        }));
    }

    /** The top {@code limit} members, rebuilding the set from {@code all} first if Redis does not have it. */
    public Uni<List<Ranked>> top(String set, int limit, Supplier<Uni<List<Scored>>> all) {
        return readRebuildingIfMissing(set, all,
                        () -> store.command(Command.ZREVRANGE, List.of(key(set), 0, limit - 1, "WITHSCORES"))
                                .map(SortedSetWriteThrough::ranked),
                        List::isEmpty)
                .onFailure().recoverWithUni(failure -> {
                    degraded.increment();
                    return Uni.createFrom().deferred(() -> all.get()).map(scores -> {
                        List<Ranked> ranking = rankedFromDatabase(scores);
                        return ranking.subList(0, Math.min(limit, ranking.size()));
                    });
                });
    }

    /** A member's rank and score, or {@code null} if it has none. */
    public Uni<Ranked> rank(String set, String member, Supplier<Uni<List<Scored>>> all) {
        return readRebuildingIfMissing(set, all, () -> store.command(Command.ZREVRANK, List.of(key(set), member))
                        .flatMap(rank -> rank == null
                                ? Uni.createFrom().<Ranked>nullItem()
                                : store.command(Command.ZSCORE, List.of(key(set), member)).map(score -> new Ranked(
                                        rank.toLong() + 1, member, (long) Double.parseDouble(score.toString())))),
                        ranked -> ranked == null)
                .onFailure().recoverWithUni(failure -> {
                    degraded.increment();
                    return Uni.createFrom().deferred(() -> all.get()).map(scores -> rankedFromDatabase(scores)
                            .stream().filter(ranked -> ranked.member().equals(member)).findFirst().orElse(null));
                });
    }

    /**
     * Reads first (one command on the common path); only an empty answer asks whether the set exists, and a
     * missing set is rebuilt from the database and read again.
     */
    private <R> Uni<R> readRebuildingIfMissing(String set, Supplier<Uni<List<Scored>>> all, Supplier<Uni<R>> read,
                                               Predicate<R> empty) {
        return read.get().flatMap(result -> {
            if (!empty.test(result)) {
                return Uni.createFrom().item(result);
            }
            return store.command(Command.EXISTS, List.of(key(set))).flatMap(exists -> exists.toLong() == 1
                    ? Uni.createFrom().item(result)
                    : rebuild(set, all).flatMap(ignored -> read.get()));
        });
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


    private Uni<Void> rebuild(String set, Supplier<Uni<List<Scored>>> all) {
        rebuilds.increment();
        return Uni.createFrom().deferred(() -> all.get()).flatMap(scores -> {
            Uni<Void> chain = Uni.createFrom().voidItem();
            for (int from = 0; from < scores.size(); from += REBUILD_CHUNK) {
                List<Object> args = new ArrayList<>(List.of(key(set), "GT"));
                for (Scored scored : scores.subList(from, Math.min(scores.size(), from + REBUILD_CHUNK))) {
                    args.add(scored.score());
                    args.add(scored.member());
                }
                chain = chain.flatMap(ignored -> store.command(Command.ZADD, args).replaceWithVoid());
            }
            return chain;
        });
    }

    private void forget(String set) {
        store.command(Command.DEL, List.of(key(set)))
                .onFailure().retry().withBackOff(Duration.ofMillis(100), Duration.ofSeconds(5)).atMost(20)
                .subscribe().with(ignored -> { }, failure -> LOG.errorf(
                        "ranking %s: could not drop %s; its ranks may miss a score until it is rebuilt", name, set));
    }

    /** ZREVRANGE … WITHSCORES: [[member, score], …] (RESP3) or [member, score, …] (RESP2). */
    private static List<Ranked> ranked(Response reply) {
        List<Ranked> ranked = new ArrayList<>();
        if (reply == null || reply.size() == 0) {
            return ranked;
        }
        boolean pairs = reply.get(0).size() == 2 && reply.get(0).get(0) != null;
        int step = pairs ? 1 : 2;
        for (int i = 0; i < reply.size(); i += step) {
            String member = pairs ? reply.get(i).get(0).toString() : reply.get(i).toString();
            String score = pairs ? reply.get(i).get(1).toString() : reply.get(i + 1).toString();
            ranked.add(new Ranked(ranked.size() + 1, member, (long) Double.parseDouble(score)));
        }
        return ranked;
    }

    private String key(String set) {
        if (set.indexOf('{') >= 0 || set.indexOf('}') >= 0) {
            throw new IllegalArgumentException("set name must be free of braces: " + set);
        }
        return keyPrefix + set + "}";
    }
}
