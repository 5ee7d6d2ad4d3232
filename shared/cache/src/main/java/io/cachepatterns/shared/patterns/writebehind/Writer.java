package io.cachepatterns.shared.patterns.writebehind;

import io.cachepatterns.shared.config.CacheConfig.CacheSpec;
import io.cachepatterns.shared.core.LuaScript;
import io.cachepatterns.shared.core.RedisErrors;
import io.cachepatterns.shared.core.RedisStore;
import io.cachepatterns.shared.patterns.writebehind.WriteBehind.Applied;
import io.cachepatterns.shared.patterns.writebehind.WriteBehind.Loader;
import io.cachepatterns.shared.problem.ProblemException;
import io.cachepatterns.shared.stampede.GroupCommit;
import io.cachepatterns.shared.stampede.SingleFlight;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Command;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Write-behind's write path: an increment is applied to the value's hash and the log names the value as dirty, in
 * one Lua script, before the caller is answered. Concurrent increments of one value share a round trip
 * ({@link GroupCommit}); one with an {@code Idempotency-Key} goes alone, its answer stored in the same script.
 */
final class Writer {

    private static final LuaScript INCREMENT = LuaScript.load(
            "/io/cachepatterns/shared/core/write-behind-increment.lua");
    private static final LuaScript INIT = LuaScript.load("/io/cachepatterns/shared/core/init-if-absent.lua");

    private final CounterHashes hashes;
    /** One database load per value at a time: 200 readers of a value Redis lost cost one query, not 200. */
    private final SingleFlight<Map<String, Long>> loads = new SingleFlight<>();
    private final RedisStore store;
    private final Loader loader;
    private final CacheSpec spec;
    private final GroupCommit<Map<String, Long>, Map<String, Long>> groupCommit =
            new GroupCommit<>(this::incrementTogether);

    Writer(CounterHashes hashes, RedisStore store, Loader loader, CacheSpec spec) {
        this.hashes = hashes;
        this.store = store;
        this.loader = loader;
        this.spec = spec;
    }

    /**
     * Adds {@code increments} (negative to take away; a field never goes below zero) and answers with the new
     * absolute values once Redis has both the values and the log entry. Increments of one value that arrive while
     * another is on its way to Redis go together in the next script call ({@link GroupCommit}); each caller is
     * answered with the values after that call.
     */
    Uni<Map<String, Long>> increment(String id, Map<String, Long> increments) {
        increments.keySet().forEach(hashes::requireField);
        return groupCommit.submit(id, increments);
    }

    /**
     * {@link #increment}, applied at most once for {@code idempotencyKey} (a client's {@code Idempotency-Key},
     * unique per value): a retry with the same key, within {@code idempotency-ttl}, applies nothing and answers as
     * the first call did. The answer is stored with the increment, in the same script, so no failure in between
     * can apply a write without its record. {@code null}: no key, as {@link #increment}. A key used before for
     * other increments of this value fails with a 422 problem.
     */
    Uni<Applied> increment(String id, Map<String, Long> increments, String idempotencyKey) {
        if (idempotencyKey == null) {
            return increment(id, increments).map(values -> new Applied(values, false));
        }
        increments.keySet().forEach(hashes::requireField);
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
        int partition = hashes.partitionOf(id);
        return evalIncrement(List.of(hashes.valueKey(id), hashes.log(partition),
                        hashes.idempotencyKey(id, idempotencyKey), hashes.idempotencyIndex(partition)), args)
                .onFailure(failure -> "IDEMPOTENCY".equals(RedisErrors.replyCode(failure))).transform(failure ->
                        ProblemException.unprocessable("Idempotency-Key",
                                "this key was used before for a different request; use a new key for a new request"))
                .flatMap(reply -> reply == null
                        ? cacheFromDatabase(id, true).flatMap(ignored -> incrementOnce(id, idempotencyKey, args))
                        : Uni.createFrom().item(new Applied(hashes.withAllFields(hashes.fieldMap(reply)),
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
        return evalIncrement(List.of(hashes.valueKey(id), hashes.log(hashes.partitionOf(id))), args).flatMap(reply -> reply == null
                // Not cached: load from the database first, so that the count goes on from there.
                ? cacheFromDatabase(id, true).flatMap(ignored -> incrementTogether(id, increments))
                : Uni.createFrom().item(hashes.withAllFields(hashes.fieldMap(reply))));
    }

    /**
     * The increment script; with {@code replica-acks}, answered only once that many replicas have its writes, so
     * that a failover cannot lose an acknowledged increment. Not confirmed in time: a 503, the increment applied on
     * the primary but not acknowledged (a retry with the same {@code Idempotency-Key} is applied once).
     */
    private Uni<io.vertx.mutiny.redis.client.Response> evalIncrement(List<String> keys, List<Object> args) {
        if (spec.replicaAcks() <= 0) {
            return store.eval(INCREMENT, keys, args);
        }
        return store.evalReplicated(INCREMENT, keys, args, spec.replicaAcks(), spec.replicaAckTimeout())
                .onFailure(RedisStore.NotReplicatedException.class).transform(failure ->
                        ProblemException.unavailable("write-behind " + hashes.name() + ": " + failure.getMessage()
                                + "; the increment is not acknowledged: retry with the same Idempotency-Key"));
    }

    /** The current values: from Redis, or from the database if Redis does not have them (then cached). */
    Uni<Map<String, Long>> read(String id) {
        return store.command(Command.HGETALL, List.of(hashes.valueKey(id))).flatMap(reply -> {
            Map<String, Long> values = hashes.fieldMap(reply);
            return values.isEmpty() ? cacheFromDatabase(id, false) : Uni.createFrom().item(hashes.withAllFields(values));
        });
    }

    /**
     * Loads a value from the database and caches it, so that counting goes on from there; callers that need the
     * same load at once share it. A read of a value the database does not have caches nothing ({@code forWrite}
     * false): anonymous reads of made-up ids must not fill Redis with zeros.
     */
    private Uni<Map<String, Long>> cacheFromDatabase(String id, boolean forWrite) {
        // Reads and writes fly apart: a write's load caches even a value the database lacks, a read's does not.
        return loads.run((forWrite ? "write:" : "read:") + id, () -> loadAndCache(id, forWrite));
    }

    private Uni<Map<String, Long>> loadAndCache(String id, boolean forWrite) {
        return loader.load(id)
                .ifNoItem().after(spec.loadTimeout()).failWith(() -> ProblemException.unavailable("write-behind "
                        + hashes.name() + ": the database did not answer within " + spec.loadTimeout().toMillis()
                        + " ms; try again shortly"))
                .flatMap(loaded -> {
                    Map<String, Long> values = hashes.withAllFields(loaded == null ? Map.of() : loaded);
                    if (loaded == null && !forWrite) {
                        return Uni.createFrom().item(values);
                    }
                    List<Object> args = new ArrayList<>(List.of(CounterHashes.CLEAN_TTL.toMillis()));
                    values.forEach((field, value) -> {
                        args.add(field);
                        args.add(value);
                    });
                    return store.eval(INIT, List.of(hashes.valueKey(id)), args).replaceWith(values);
                });
    }
}
