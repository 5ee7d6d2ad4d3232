package io.cachepatterns.shared.stampede;

import io.cachepatterns.shared.core.Detached;
import io.smallrye.mutiny.Uni;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * One load per key per instance: callers that ask for a key while its load is under way share that load's result
 * (or failure) instead of starting their own.
 *
 * <p><b>Guarantees.</b>
 * <ul>
 *   <li>The entry is removed when the load ends, before its result is handed out, so a caller that arrives later
 *       starts a fresh load.</li>
 *   <li>A caller that gives up (its request is cancelled because the client went away) fails nobody else and leaves
 *       nothing behind: the load belongs to the flight, not to the caller that started it, so it runs to its end,
 *       hands its result to those still waiting and removes its entry. Each caller waits on a copy of the shared
 *       result ({@link Detached#join}), so cancelling one copy never cancels the others.</li>
 *   <li>{@link #forget} detaches a load from callers that arrive afterwards: after an invalidation, a new request
 *       never joins a load that may have read the database before the change.</li>
 * </ul>
 * The trade-off of letting a load outlive its callers: a load nobody waits for any more still costs its query. It
 * must be bounded by its own timeouts (the database client's, the lease's), never by a caller's patience.
 */
public final class SingleFlight<T> {

    private final ConcurrentHashMap<String, CompletableFuture<T>> inFlight = new ConcurrentHashMap<>();

    public Uni<T> run(String key, Supplier<Uni<T>> load) {
        return Uni.createFrom().deferred(() -> {
            CompletableFuture<T> mine = new CompletableFuture<>();
            CompletableFuture<T> existing = inFlight.putIfAbsent(key, mine);
            if (existing != null) {
                return Detached.join(existing);
            }
            start(key, mine, load);
            return Detached.join(mine);
        });
    }

    /**
     * Callers that ask for {@code key} from now on start a fresh load; those already waiting keep theirs. Call it
     * when the key is invalidated.
     */
    public void forget(String key) {
        inFlight.remove(key);
    }

    /** {@link #forget} for every key. */
    public void forgetAll() {
        inFlight.clear();
    }

    /** Loads under way now; for tests and metrics. */
    public int inFlight() {
        return inFlight.size();
    }

    /** Subscribes to the load on the flight's behalf: no caller's cancellation reaches it. */
    private void start(String key, CompletableFuture<T> flight, Supplier<Uni<T>> load) {
        Uni<T> work;
        try {
            work = load.get();
        } catch (RuntimeException e) {
            work = Uni.createFrom().failure(e);
        }
        work.subscribe().with(item -> {
            inFlight.remove(key, flight);
            flight.complete(item);
        }, failure -> {
            inFlight.remove(key, flight);
            flight.completeExceptionally(failure);
        });
    }
}
