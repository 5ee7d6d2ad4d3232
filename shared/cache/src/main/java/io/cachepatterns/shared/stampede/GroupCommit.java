package io.cachepatterns.shared.stampede;

import io.cachepatterns.shared.core.VertxContexts;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * One write per key in flight per instance: writes to a key that arrive while a write to it is on its way wait, and
 * then go together, in arrival order, as the next one (group commit). A hot key under a flood of writes costs one
 * round trip per batch instead of one per write; a key written by one caller at a time goes alone, with no delay.
 *
 * <p>Every caller in a batch gets the batch's result, or its failure: a caller is answered only after the write that
 * carries its part has completed, never before. Batches of one key go one after the other, so their order is the
 * order of arrival.
 *
 * @param <W> one caller's write
 * @param <R> the result of a batch, handed to each of its callers
 */
public final class GroupCommit<W, R> {

    private final BiFunction<String, List<W>, Uni<R>> writeAll;
    /** Per key with a write in flight: the callers waiting for the next one (empty if none). Guarded by itself. */
    private final Map<String, List<Waiter<W, R>>> waiting = new HashMap<>();

    /** @param writeAll writes a key's batch of writes, in the order given, as one operation */
    public GroupCommit(BiFunction<String, List<W>, Uni<R>> writeAll) {
        this.writeAll = writeAll;
    }

    private record Waiter<W, R>(W write, UniEmitter<? super R> emitter, Context context) {
    }

    public Uni<R> submit(String key, W write) {
        return Uni.createFrom().emitter(emitter -> {
            Waiter<W, R> me = new Waiter<>(write, emitter, Vertx.currentContext());
            synchronized (waiting) {
                List<Waiter<W, R>> queue = waiting.get(key);
                if (queue != null) {
                    queue.add(me); // a write to this key is in flight: go with the next batch
                    return;
                }
                waiting.put(key, new ArrayList<>());
            }
            send(key, List.of(me));
        });
    }

    private void send(String key, List<Waiter<W, R>> batch) {
        Uni<R> written;
        try {
            written = writeAll.apply(key, batch.stream().map(Waiter::write).toList());
        } catch (RuntimeException e) {
            written = Uni.createFrom().failure(e);
        }
        written.subscribe().with(result -> {
            sendNext(key);
            batch.forEach(waiter -> answer(waiter, () -> waiter.emitter().complete(result)));
        }, failure -> {
            sendNext(key);
            batch.forEach(waiter -> answer(waiter, () -> waiter.emitter().fail(failure)));
        });
    }

    private void sendNext(String key) {
        List<Waiter<W, R>> next;
        synchronized (waiting) {
            next = waiting.get(key);
            if (next.isEmpty()) {
                waiting.remove(key);
                return;
            }
            waiting.put(key, new ArrayList<>());
        }
        send(key, next);
    }

    /** Each caller continues on its own Vert.x context, not on the one that happened to send the batch. */
    private static void answer(Waiter<?, ?> waiter, Runnable completion) {
        VertxContexts.on(waiter.context()).execute(completion);
    }

    /** Keys with a write in flight now; for tests. */
    public int inFlight() {
        synchronized (waiting) {
            return waiting.size();
        }
    }
}
