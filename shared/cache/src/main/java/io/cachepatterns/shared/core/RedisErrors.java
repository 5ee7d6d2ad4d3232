package io.cachepatterns.shared.core;

import io.vertx.redis.client.Response;
import io.vertx.redis.client.ResponseType;
import io.vertx.redis.client.impl.types.ErrorType;
import java.util.Set;

/**
 * Which failures of a Redis command say that Redis is unwell, and which only say that the command was wrong.
 *
 * <p>The circuit breaker in front of Redis sends every read of the instance to the database when it opens, so it
 * must count only the first kind: a timeout, a closed or refused connection, or an error reply that means "not
 * now" ({@code LOADING} after a restart, {@code BUSY} with a script running, {@code READONLY} from a demoted primary,
 * {@code MASTERDOWN}, {@code CLUSTERDOWN}, {@code TRYAGAIN}). An error reply such as {@code NOGROUP},
 * {@code WRONGTYPE}, {@code NOSCRIPT} or a script's own error is an answer from a healthy Redis: the caller deals
 * with it, the breaker does not.
 */
public final class RedisErrors {

    private static final Set<String> UNAVAILABLE = Set.of("LOADING", "BUSY", "READONLY", "MASTERDOWN", "CLUSTERDOWN",
            "TRYAGAIN");
    /** Replies after which the connection that got them should not be used again: it points at the wrong server. */
    private static final Set<String> WRONG_SERVER = Set.of("READONLY", "LOADING", "MASTERDOWN");

    private RedisErrors() {
    }

    /** The error reply's code ({@code NOGROUP}, {@code LOADING}, …), or {@code null} when Redis did not answer. */
    public static String replyCode(Throwable failure) {
        if (failure instanceof Response reply && reply.type() == ResponseType.ERROR) {
            String message = failure.getMessage();
            if (message == null || message.isEmpty()) {
                return "ERR";
            }
            int space = message.indexOf(' ');
            return space < 0 ? message : message.substring(0, space);
        }
        return null;
    }

    /** Whether {@code failure} counts against Redis' health (the breaker's rule). */
    public static boolean isOutage(Throwable failure) {
        String code = replyCode(failure);
        return code == null || UNAVAILABLE.contains(code);
    }

    /** Whether {@code failure} came from a server that cannot serve this client now (a replica, one loading). */
    public static boolean isWrongServer(Throwable failure) {
        String code = replyCode(failure);
        return code != null && WRONG_SERVER.contains(code);
    }

    /**
     * The connection a command was sent on is closed (the client says so at once, without asking Redis): whoever
     * holds it must take another.
     */
    public static boolean isConnectionClosed(Throwable failure) {
        if (replyCode(failure) != null) {
            return false;
        }
        for (Throwable t = failure; t != null; t = t.getCause()) {
            String message = t.getMessage();
            if (t instanceof java.nio.channels.ClosedChannelException
                    || (message != null && message.toLowerCase(java.util.Locale.ROOT).contains("closed"))) {
                return true;
            }
        }
        return false;
    }

    /** {@code OOM}: over {@code maxmemory} with nothing left to evict, Redis refuses writes (deletes still work). */
    public static boolean isOutOfMemory(Throwable failure) {
        return "OOM".equals(replyCode(failure));
    }

    public static boolean isNoScript(Throwable failure) {
        return "NOSCRIPT".equals(replyCode(failure));
    }

    /** The client's report of a batch with error replies: {@code ERR [index] reply}, one line per error. */
    static boolean isBatchError(Throwable failure) {
        return "ERR".equals(replyCode(failure)) && String.valueOf(failure.getMessage()).startsWith("ERR [");
    }

    /** The first error reply of a batch, as Redis gave it. */
    static Throwable firstErrorOfBatch(Throwable failure) {
        String first = String.valueOf(failure.getMessage()).lines().findFirst().orElse("");
        int close = first.indexOf("] ");
        return close < 0 ? failure : ErrorType.create(first.substring(close + 2));
    }
}
