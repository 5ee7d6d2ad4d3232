package io.cachepatterns.chaos;

import io.cachepatterns.chaos.History.Op;
import io.cachepatterns.chaos.History.Window;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * Judges a run's history against what each pattern promises, Jepsen-style: afterwards, from what the clients saw.
 * <ul>
 *   <li>cache-aside products and cached sessions: once a write (a new version, a logout) has been answered, a read
 *       that starts more than {@link #STALENESS_BOUND_MS} later — counted from the end of any Redis or instance fault
 *       under way, since a change not yet delivered is stale until Redis is reachable again — sees it;</li>
 *   <li>write-through profiles and leaderboard scores: read-your-writes, on either instance, with no grace at all;</li>
 *   <li>write-behind counters: once every increment has been answered (those without an answer sent again with their
 *       key), each item's count in PostgreSQL is exactly the sum of its increments — none lost, none twice. After
 *       Redis restarted empty the loss is Redis' own and reported on its own line;</li>
 *   <li>no answer is a 5xx other than a 503 problem (a dependency outage), per fault window.</li>
 * </ul>
 * Consistency as nines: 1 − (reads beyond their bound ÷ reads checked).
 */
final class HistoryChecker {

    /** The README's promise for a change delivered through the outbox: ~1 s after Redis is reachable again. */
    static final long STALENESS_BOUND_MS = 1_000;
    /** An answer slower than this is reported: every dependency call has a shorter timeout. */
    static final long SLOW_MS = 5_000;
    /** Operations this long after a fault's end still count towards it (its recovery). */
    static final long RECOVERY_GRACE_MS = 5_000;
    /** Faults during which a change may not reach Redis or the instance that would deliver it may be gone. */
    private static final Set<Fault> DELAYING_DELIVERY = EnumSet.of(Fault.REDIS_PAUSED, Fault.REDIS_KILLED,
            Fault.REDIS_RESTARTED_EMPTY, Fault.REDIS_CLIENTS_KILLED, Fault.REDIS_STALLED, Fault.REDIS_HALF_OPEN,
            Fault.REDIS_MEMORY_PRESSURE, Fault.INSTANCE_KILLED);

    /** A row of the per-fault table. */
    static final class FaultRow {
        int windows;
        long ops;
        long serverErrors;
        long unavailable;
        long noAnswer;
        long slow;
        long maxRecoveryMillis;
    }

    private final List<Op> ops;
    private final List<Window> windows;
    private final List<String> violations = new ArrayList<>();
    private final Map<String, Object> figures = new LinkedHashMap<>();
    private long readsChecked;
    private long readsBeyondBound;

    HistoryChecker(History history) {
        this.ops = history.ops().stream().sorted(Comparator.comparingLong(Op::start)).toList();
        this.windows = history.windows().stream().sorted(Comparator.comparingLong(Window::start)).toList();
    }

    List<String> violations() {
        return violations;
    }

    Map<String, Object> figures() {
        return figures;
    }

    /** Every check but the counters'. */
    HistoryChecker check() {
        figures.put("operations", ops.size());
        figures.put("faults", perFault());
        figures.put("products", cacheAsideStaleness(Workload.PRODUCT_WRITE, Workload.PRODUCT_READ, "product"));
        figures.put("profiles", readYourWrites(Workload.PROFILE_WRITE, Workload.PROFILE_READ, "profile"));
        figures.put("leaderboard", readYourWrites(Workload.SCORE_WRITE, Workload.SCORE_READ, "score of"));
        figures.put("sessions", loggedOutTokens());
        return this;
    }

    /**
     * Counters of one phase: {@code counted} per item (PostgreSQL, after the flush), against the increments
     * answered. {@code bounded}: Redis was restarted empty in this phase, so a loss is reported, not a violation.
     */
    void checkCounters(String label, Map<String, Workload.Increment> increments, int phase,
                       Map<String, Long> counted, List<String> unsettled, boolean bounded) {
        Map<String, Long> expected = new TreeMap<>();
        Set<String> answered = ops.stream().filter(op -> op.kind().equals(Workload.INCREMENT) && op.ok())
                .map(Op::subject).collect(Collectors.toSet());
        long sent = 0;
        for (Map.Entry<String, Workload.Increment> entry : increments.entrySet()) {
            Workload.Increment increment = entry.getValue();
            if (increment.phase() != phase) {
                continue;
            }
            sent++;
            expected.merge(increment.item(), answered.contains(entry.getKey()) ? (long) increment.count() : 0L,
                    Long::sum);
        }
        long lost = 0;
        long extra = 0;
        long acknowledged = 0;
        List<String> differing = new ArrayList<>();
        for (Map.Entry<String, Long> item : expected.entrySet()) {
            long has = counted.getOrDefault(item.getKey(), 0L);
            acknowledged += item.getValue();
            lost += Math.max(0, item.getValue() - has);
            extra += Math.max(0, has - item.getValue());
            if (has != item.getValue()) {
                differing.add(item.getKey() + ": " + item.getValue() + " acknowledged, " + has + " counted");
            }
        }
        Map<String, Object> figure = new LinkedHashMap<>();
        figure.put("increments", sent);
        figure.put("acknowledgedViews", acknowledged);
        figure.put("lost", lost);
        figure.put("countedTwiceOrUnacknowledged", extra);
        figure.put("unsettled", unsettled.size());
        figure.put("items counted wrong", differing.size());
        figure.put("first of them", differing.subList(0, Math.min(5, differing.size())));
        figures.put("counters (" + label + ")", figure);
        if (!unsettled.isEmpty()) {
            violations.add(label + ": " + unsettled.size() + " increments never answered, even when sent again");
        }
        if (!bounded && (lost > 0 || extra > 0)) {
            violations.add(label + ": " + lost + " acknowledged views lost, " + extra
                    + " counted beyond the acknowledged (" + acknowledged + " acknowledged)");
        }
    }

    /** Consistency as nines over every read that had a bound to keep. */
    double consistency() {
        return readsChecked == 0 ? 1.0 : 1.0 - (double) readsBeyondBound / readsChecked;
    }

    long readsChecked() {
        return readsChecked;
    }

    long readsBeyondBound() {
        return readsBeyondBound;
    }

    private Map<String, Object> perFault() {
        Map<String, FaultRow> rows = new LinkedHashMap<>();
        for (Fault fault : Fault.values()) {
            rows.put(fault.name(), new FaultRow());
        }
        rows.put("none", new FaultRow());
        for (Window window : windows) {
            FaultRow row = rows.get(window.fault().name());
            row.windows++;
            row.maxRecoveryMillis = Math.max(row.maxRecoveryMillis, recovery(window));
        }
        for (Op op : ops) {
            Window window = windowOf(op);
            FaultRow row = rows.get(window == null ? "none" : window.fault().name());
            row.ops++;
            if (!op.answered()) {
                row.noAnswer++;
            } else if (op.status() == 503 && op.problem()) {
                row.unavailable++;
            } else if (op.status() >= 500) {
                row.serverErrors++;
                violations.add(op.kind() + " at " + op.instance() + " (" + op.subject() + ") answered "
                        + op.status() + (op.problem() ? " (a problem)" : " (not a problem document)") + " at "
                        + op.start() + " ms, " + (window == null ? "no fault" : window.fault().name()));
            }
            if (op.latency() > SLOW_MS) {
                row.slow++;
            }
        }
        Map<String, Object> table = new LinkedHashMap<>();
        rows.forEach((name, row) -> {
            Map<String, Object> cells = new LinkedHashMap<>();
            cells.put("windows", row.windows);
            cells.put("operations", row.ops);
            cells.put("5xx (not 503 problem)", row.serverErrors);
            cells.put("503 problem", row.unavailable);
            cells.put("no answer", row.noAnswer);
            cells.put("over 5 s", row.slow);
            cells.put("recovery ms (max)", row.maxRecoveryMillis);
            table.put(name, cells);
        });
        return table;
    }

    /** The window an operation belongs to: the one it started in, else the last one whose recovery it is in. */
    private Window windowOf(Op op) {
        Window recovering = null;
        for (Window window : windows) {
            if (op.start() >= window.start() && op.start() <= window.end()) {
                return window;
            }
            if (op.start() > window.end() && op.start() <= window.end() + RECOVERY_GRACE_MS) {
                recovering = window;
            }
        }
        return recovering;
    }

    /**
     * From a fault's end until every kind of operation that failed during it was answered well again (a 2xx, or a
     * 4xx that says something about the request, not about the system).
     */
    private long recovery(Window window) {
        Map<String, Boolean> failedDuring = new HashMap<>();
        Map<String, Long> firstGoodAfter = new HashMap<>();
        for (Op op : ops) {
            boolean good = op.answered() && op.status() < 500;
            if (op.start() >= window.start() && op.start() <= window.end() && !good) {
                failedDuring.put(op.kind(), true);
            }
            if (op.start() >= window.end() && good) {
                firstGoodAfter.putIfAbsent(op.kind(), op.end());
            }
        }
        long recovery = 0;
        for (String kind : failedDuring.keySet()) {
            Long good = firstGoodAfter.get(kind);
            recovery = Math.max(recovery, good == null ? Long.MAX_VALUE : good - window.end());
        }
        return recovery;
    }

    /**
     * Cache-aside: a read returning an older version than one whose write was answered more than the bound before
     * it began (counted from the end of any fault that could delay the invalidation) breaks the promise. Staleness of
     * a read: how long before it began the first version newer than the one it got had been answered.
     */
    private Map<String, Object> cacheAsideStaleness(String writeKind, String readKind, String what) {
        Map<String, List<Op>> writes = acknowledged(writeKind);
        List<Long> staleness = new ArrayList<>();
        long reads = 0;
        long beyond = 0;
        for (Op read : ops) {
            if (!read.kind().equals(readKind) || !read.ok() || read.value() < 0) {
                continue;
            }
            reads++;
            long stale = 0;
            for (Op write : writes.getOrDefault(read.subject(), List.of())) {
                if (write.end() >= read.start() || write.value() <= read.value()) {
                    continue;
                }
                stale = Math.max(stale, read.start() - write.end());
                if (read.start() > promisedBy(write.end(), read.start())) {
                    beyond++;
                    violations.add(what + " " + read.subject() + ": read at " + read.start() + " ms on "
                            + read.instance() + " returned version " + read.value() + ", but version "
                            + write.value() + " was answered at " + write.end() + " ms");
                    break;
                }
            }
            staleness.add(stale);
        }
        readsChecked += reads;
        readsBeyondBound += beyond;
        return distribution(reads, beyond, staleness);
    }

    /** Read-your-writes: a read starting after a write's answer returns that write or a later one. */
    private Map<String, Object> readYourWrites(String writeKind, String readKind, String what) {
        Map<String, List<Op>> writes = acknowledged(writeKind);
        long reads = 0;
        long violated = 0;
        for (Op read : ops) {
            if (!read.kind().equals(readKind) || !read.answered() || read.status() >= 500) {
                continue;
            }
            long seen = read.ok() ? read.value() : -1;
            long mustSee = writes.getOrDefault(read.subject(), List.of()).stream()
                    .filter(write -> write.end() < read.start()).mapToLong(Op::value).max().orElse(-1);
            if (mustSee < 0) {
                continue;
            }
            reads++;
            if (seen < mustSee) {
                violated++;
                violations.add(what + " " + read.subject() + ": read at " + read.start() + " ms on " + read.instance()
                        + " returned " + (read.ok() ? read.value() : "status " + read.status()) + " after " + mustSee
                        + " was answered");
            }
        }
        readsChecked += reads;
        readsBeyondBound += violated;
        Map<String, Object> figure = new LinkedHashMap<>();
        figure.put("reads after a write", reads);
        figure.put("read-your-writes violations", violated);
        return figure;
    }

    /** A token used after its logout was answered (plus the bound) must be refused. */
    private Map<String, Object> loggedOutTokens() {
        Map<String, Long> loggedOutAt = new HashMap<>();
        for (Op op : ops) {
            if (op.kind().equals(Workload.LOGOUT) && op.ok()) {
                loggedOutAt.putIfAbsent(op.subject(), op.end());
            }
        }
        long uses = 0;
        long accepted = 0;
        List<Long> acceptedAfter = new ArrayList<>();
        for (Op use : ops) {
            Long logout = loggedOutAt.get(use.subject());
            if (!use.kind().equals(Workload.SESSION_USE) || logout == null || use.start() <= logout
                    || !use.answered() || use.status() >= 500) {
                continue;
            }
            uses++;
            if (use.value() == 1) {
                acceptedAfter.add(use.start() - logout);
                if (use.start() > promisedBy(logout, use.start())) {
                    accepted++;
                    violations.add("token " + use.subject() + "…: accepted at " + use.start() + " ms on "
                            + use.instance() + ", logged out at " + logout + " ms");
                }
            }
        }
        readsChecked += uses;
        readsBeyondBound += accepted;
        Map<String, Object> figure = new LinkedHashMap<>();
        figure.put("uses after logout", uses);
        figure.put("accepted within the bound", acceptedAfter.size() - accepted);
        figure.put("accepted beyond the bound", accepted);
        figure.put("accepted after logout, max ms", acceptedAfter.stream().mapToLong(Long::longValue).max()
                .orElse(0));
        return figure;
    }

    /** When a change answered at {@code answered} must be visible, for a read starting at {@code readStart}. */
    private long promisedBy(long answered, long readStart) {
        long from = answered;
        for (Window window : windows) {
            if (DELAYING_DELIVERY.contains(window.fault()) && window.overlaps(answered, readStart)) {
                from = Math.max(from, window.end());
            }
        }
        return from + STALENESS_BOUND_MS;
    }

    private Map<String, List<Op>> acknowledged(String kind) {
        Map<String, List<Op>> writes = new HashMap<>();
        for (Op op : ops) {
            if (op.kind().equals(kind) && op.ok() && op.value() >= 0) {
                writes.computeIfAbsent(op.subject(), s -> new ArrayList<>()).add(op);
            }
        }
        return writes;
    }

    private static Map<String, Object> distribution(long reads, long beyond, List<Long> staleness) {
        List<Long> sorted = staleness.stream().sorted().toList();
        Map<String, Object> figure = new LinkedHashMap<>();
        figure.put("reads", reads);
        figure.put("stale reads", sorted.stream().filter(s -> s > 0).count());
        figure.put("beyond the bound", beyond);
        figure.put("staleness p99 ms", sorted.isEmpty() ? 0 : sorted.get((int) Math.min(sorted.size() - 1,
                Math.ceil(sorted.size() * 0.99) - 1)));
        figure.put("staleness max ms", sorted.isEmpty() ? 0 : sorted.get(sorted.size() - 1));
        return figure;
    }
}
