package io.cachepatterns.shared.stampede;

import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * One load per key per instance: callers that ask for a key while its load is under way share that load's result
 * (or failure) instead of starting their own.
 *
 * <p>The entry is removed when the load ends, before its result is handed out, so a caller that arrives later starts
 * a fresh load and never receives a value older than its own request.
 */
public final class SingleFlight<T> {

    private final ConcurrentHashMap<String, CompletableFuture<T>> inFlight = new ConcurrentHashMap<>();

    public Uni<T> run(String key, Supplier<Uni<T>> load) {
        return Uni.createFrom().deferred(() -> {
            CompletableFuture<T> mine = new CompletableFuture<>();
            CompletableFuture<T> existing = inFlight.putIfAbsent(key, mine);
            if (existing != null) {
                return backOnCallersContext(Uni.createFrom().completionStage(existing));
            }
            Uni<T> work;
            try {
                work = load.get();
            } catch (RuntimeException e) {
                work = Uni.createFrom().failure(e);
            }
            return work.onItemOrFailure().invoke((item, failure) -> {
                inFlight.remove(key, mine);
                if (failure != null) {
                    mine.completeExceptionally(failure);
                } else {
                    mine.complete(item);
                }
            });
        });
    }

    /** The shared result arrives on the loader's thread; a Vert.x caller continues on its own context. */
    private static <T> Uni<T> backOnCallersContext(Uni<T> shared) {
        Context context = Vertx.currentContext();
        if (context == null) {
            return shared;
        }
        return shared.emitOn(command -> context.runOnContext(ignored -> command.run()));
    }

    /** Loads under way now; for tests and metrics. */
    public int inFlight() {
        return inFlight.size();
    }
}
