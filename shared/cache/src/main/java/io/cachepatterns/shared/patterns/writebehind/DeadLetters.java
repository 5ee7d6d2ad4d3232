package io.cachepatterns.shared.patterns.writebehind;

import io.cachepatterns.shared.config.CacheConfig.CacheSpec;
import io.cachepatterns.shared.core.LuaScript;
import io.cachepatterns.shared.core.RedisStore;
import io.cachepatterns.shared.patterns.writebehind.WriteBehind.DeadLetter;
import io.cachepatterns.shared.patterns.writebehind.WriteBehind.Row;
import io.micrometer.core.instrument.Counter;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Command;
import io.vertx.mutiny.redis.client.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * Where values the database refused {@code max-attempts} times go, so that one poison value never blocks the rest:
 * a Redis Stream of the values as they were, with the error. They can be listed and replayed: a replay marks the
 * value dirty again, and the next flush takes its current value, not the dead one.
 */
final class DeadLetters {

    private static final Logger LOG = Logger.getLogger(DeadLetters.class);
    private static final LuaScript RELEASE = LuaScript.load("/io/cachepatterns/shared/core/write-behind-release.lua");

    private final CounterHashes hashes;
    private final RedisStore store;
    private final Writer writer;
    private final CacheSpec spec;
    private final Counter deadLetters;
    private final String name;

    DeadLetters(CounterHashes hashes, RedisStore store, Writer writer, CacheSpec spec, Counter deadLetters) {
        this.hashes = hashes;
        this.store = store;
        this.writer = writer;
        this.spec = spec;
        this.deadLetters = deadLetters;
        this.name = hashes.name();
    }

    /** The dead letters, oldest first within each log partition, partition after partition. */
    Uni<List<DeadLetter>> list() {
        Uni<List<DeadLetter>> all = Uni.createFrom().item(new ArrayList<>());
        for (int partition = 0; partition < hashes.partitions(); partition++) {
            String dead = hashes.dead(partition);
            all = all.flatMap(letters -> store.command(Command.XRANGE, List.of(dead, "-", "+")).map(reply -> {
                for (Response entry : reply) {
                    Map<String, String> raw = CounterHashes.rawFields(entry.get(1));
                    letters.add(new DeadLetter(entry.get(0).toString(), raw.get("id"), hashes.counterValues(raw),
                            raw.get("error")));
                }
                return letters;
            }));
        }
        return all;
    }

    /** Moves every dead letter back to the log, to be flushed again; answers how many. */
    Uni<Integer> replay() {
        return list().flatMap(letters -> {
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
        return writer.increment(letter.id(), Map.of())
                .flatMap(ignored -> store.command(Command.XDEL,
                        List.of(hashes.dead(hashes.partitionOf(letter.id())), letter.deadLetterId())))
                .replaceWithVoid();
    }

    /**
     * Keeps a refused row in the dead-letter stream and frees the value's marker, so that its next write starts a
     * new entry; the caller then acknowledges the row's log entries.
     */
    Uni<Void> keep(Row row, List<String> streamIds, Throwable failure) {
        String dead = hashes.dead(hashes.partitionOf(row.id()));
        List<Object> args = new ArrayList<>(List.of(dead, "*", "id", row.id()));
        row.values().forEach((field, value) -> {
            args.add(field);
            args.add(value);
        });
        args.add("error");
        args.add(String.valueOf(failure.getMessage()));
        LOG.errorf("write-behind %s: %s was refused %d times (log entries %s); moved to %s", name, row.id(),
                spec.maxAttempts(), streamIds, dead);
        return store.command(Command.XADD, args)
                .flatMap(ignored -> store.eval(RELEASE, List.of(hashes.valueKey(row.id())),
                        List.of(row.logId().toString())))
                .invoke(() -> deadLetters.increment())
                .replaceWithVoid();
    }
}
