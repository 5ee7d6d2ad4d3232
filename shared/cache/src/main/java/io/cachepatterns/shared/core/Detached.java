package io.cachepatterns.shared.core;

import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Work that, once started, runs to its end whoever still waits for it: a write and its cache update, a load that
 * several requests share.
 *
 * <p>Quarkus REST cancels a request's {@link Uni} when its client disconnects, and Mutiny passes the cancellation
 * upstream. Cancelling a database commit half-way, or the cache update that must follow a commit, leaves the cache
 * older than the database; cancelling a shared load fails every other request waiting on it. Here the work is
 * subscribed on its own behalf, and each caller waits on a copy of its result, so a caller's cancellation stops
 * only that caller's wait.
 */
public final class Detached {

    private Detached() {
    }

    /** Starts {@code work} when the returned {@link Uni} is subscribed to, and lets it finish even if cancelled. */
    public static <T> Uni<T> run(Supplier<Uni<T>> work) {
        return Uni.createFrom().deferred(() -> {
            CompletableFuture<T> done;
            try {
                done = work.get().subscribeAsCompletionStage();
            } catch (RuntimeException e) {
                return Uni.createFrom().failure(e);
            }
            return join(done);
        });
    }

    /**
     * A caller's view of a shared result: a dependent copy, which Mutiny cancels when the caller gives up, leaving
     * the shared future alone. The result arrives on the worker's thread; a Vert.x caller continues on its own
     * context.
     */
    public static <T> Uni<T> join(CompletableFuture<T> shared) {
        Uni<T> mine = Uni.createFrom().completionStage(() -> shared.thenApply(Function.identity()));
        Context context = Vertx.currentContext();
        return context == null ? mine : mine.emitOn(VertxContexts.on(context));
    }
}
