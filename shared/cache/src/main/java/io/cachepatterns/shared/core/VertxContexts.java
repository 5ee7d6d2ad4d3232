package io.cachepatterns.shared.core;

import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

/**
 * Keeps work on the Vert.x context of the request that asked for it.
 *
 * <p>Hibernate Reactive binds its session to the context it was opened on, so a loader must run there even when the
 * cache reaches it from another thread (a timeout fired on a timer thread, a value shared with another request).
 */
public final class VertxContexts {

    private VertxContexts() {
    }

    /** The caller's context, or {@code null} outside Vert.x (a plain test thread). */
    public static Context current() {
        return Vertx.currentContext();
    }

    /** Subscribes to {@code work} on {@code context}, directly if already there. */
    public static <T> Uni<T> runOn(Context context, Supplier<Uni<T>> work) {
        if (context == null || isOn(context)) {
            return Uni.createFrom().deferred(() -> work.get());
        }
        return Uni.createFrom().emitter(emitter -> context.runOnContext(ignored ->
                work.get().subscribe().with(emitter::complete, emitter::fail)));
    }

    /**
     * Runs tasks on {@code context}: at once when already there, else by hopping onto it; with no context, on the
     * calling thread. For {@code Uni.emitOn}, so that a result computed elsewhere reaches its caller on its own
     * context.
     */
    public static Executor on(Context context) {
        return command -> {
            if (context == null || isOn(context)) {
                command.run();
            } else {
                context.runOnContext(ignored -> command.run());
            }
        };
    }

    /**
     * Whether this thread is running on {@code context}: its context is current and, for an event-loop context, the
     * thread is an event loop. A worker thread that a task was handed to from the event loop may still report the
     * loop's context as current; running "directly" there would leave the loop.
     */
    private static boolean isOn(Context context) {
        return Vertx.currentContext() == context && (!context.isEventLoopContext() || Context.isOnEventLoopThread());
    }

    /** Completes after {@code delay}, on {@code context} when there is one (a Vert.x timer, not a worker thread). */
    public static Uni<Void> sleep(Context context, Duration delay) {
        if (context == null) {
            return Uni.createFrom().voidItem().onItem().delayIt().by(delay);
        }
        return Uni.createFrom().emitter(emitter -> context.runOnContext(ignored ->
                context.owner().setTimer(Math.max(1, delay.toMillis()), timer -> emitter.complete(null))));
    }
}
