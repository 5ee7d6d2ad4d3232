package io.cachepatterns.chaos;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Everything that happened in a run, as the clients saw it: each operation with when it was sent and answered and
 * what the answer said, and each fault's window. Times are milliseconds since the run began, on one clock.
 */
final class History {

    /** No answer: the connection failed or the client gave up. The operation may or may not have taken effect. */
    static final int NO_ANSWER = -1;

    /**
     * One request. {@code subject}: what it is about (a product, a profile, a token, an idempotency key);
     * {@code value}: what it wrote or read (a version, a score, a count; -1 where none); {@code problem}: whether a
     * 4xx/5xx answer was an {@code application/problem+json}.
     */
    record Op(String kind, String instance, long start, long end, int status, boolean problem, String subject,
              long value, int phase) {

        boolean ok() {
            return status >= 200 && status < 300;
        }

        boolean answered() {
            return status != NO_ANSWER;
        }

        long latency() {
            return end - start;
        }
    }

    /** A fault from its injection until it was healed (for a kill: until the new instance was ready). */
    record Window(Fault fault, long start, long end) {

        boolean overlaps(long from, long to) {
            return start <= to && end >= from;
        }
    }

    private final long origin = System.nanoTime();
    private final ConcurrentLinkedQueue<Op> ops = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<Window> windows = new ConcurrentLinkedQueue<>();

    long now() {
        return (System.nanoTime() - origin) / 1_000_000;
    }

    void record(Op op) {
        ops.add(op);
    }

    void record(Window window) {
        windows.add(window);
    }

    List<Op> ops() {
        return new ArrayList<>(ops);
    }

    List<Window> windows() {
        return new ArrayList<>(windows);
    }
}
