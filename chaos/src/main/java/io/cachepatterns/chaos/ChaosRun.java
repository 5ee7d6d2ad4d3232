package io.cachepatterns.chaos;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.cachepatterns.testsupport.HalfWrittenState;
import io.cachepatterns.testsupport.PostgresAddress;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * One run of the fault suite: the {@link ChaosStack} under the {@link Workload} while the {@link Fault}s happen on a
 * seeded schedule, each kind at least once; then everything settles, and the {@link HistoryChecker} judges the
 * history. A table per fault kind goes to the console, everything as JSON to {@code target/chaos/report.json}.
 *
 * <p>Two phases: every fault but "Redis restarted empty" first, whose counters must be exact; then that one, whose
 * loss (what Redis had not yet flushed, and idempotency records it forgot) is Redis' own and reported apart.
 */
public final class ChaosRun {

    /** Quiet time between faults, so that each recovery is seen on its own. */
    private static final long GAP_MILLIS = 4_000;
    private static final long LAST_PHASE_MILLIS = 20_000;
    private static final Duration SETTLE = Duration.ofSeconds(90);

    private ChaosRun() {
    }

    /** Arguments: the repository's root, seconds (240), seed (1). Exits 1 when a guarantee was broken. */
    public static void main(String[] args) throws Exception {
        Path root = Path.of(args.length > 0 ? args[0] : ".").toAbsolutePath().normalize();
        long seconds = args.length > 1 ? Long.parseLong(args[1]) : 240;
        long seed = args.length > 2 ? Long.parseLong(args[2]) : 1;
        HistoryChecker checker = run(root, Duration.ofSeconds(seconds), seed);
        System.exit(checker.violations().isEmpty() ? 0 : 1);
    }

    /** A run of about {@code length} (never shorter than one of each fault), judged. */
    public static HistoryChecker run(Path root, Duration length, long seed) throws Exception {
        Path out = root.resolve("target/chaos");
        deleteTree(out.resolve("logs")); // the last run's
        Files.createDirectories(out);
        System.out.printf("chaos: seed %d, %d s; logs in %s%n", seed, length.toSeconds(), out);
        long began = System.nanoTime();
        try (ChaosStack stack = ChaosStack.start(root, out.resolve("logs"))) {
            History history = new History();
            Workload workload = new Workload(stack, history, seed);
            workload.setUp();
            Random random = new Random(seed);

            workload.start();
            long mainPhase = Math.max(length.toMillis() - LAST_PHASE_MILLIS, 0);
            injectOnSchedule(stack, history, workload, random, mainPhase);
            workload.stop();
            List<String> unsettled = workload.settleIncrements(SETTLE);
            List<String> halfWritten = HalfWrittenState.find(stack.servers(), SETTLE);
            Map<String, Long> firstCounts = countedViews(stack.servers().postgres(), "chaos-p1-");

            workload.nextPhase();
            workload.start();
            Thread.sleep(LAST_PHASE_MILLIS / 4);
            inject(stack, history, workload, random, Fault.REDIS_RESTARTED_EMPTY);
            Thread.sleep(LAST_PHASE_MILLIS / 2);
            workload.stop();
            List<String> unsettledAfterWipe = workload.settleIncrements(SETTLE);
            halfWritten.addAll(HalfWrittenState.find(stack.servers(), SETTLE));
            Map<String, Long> secondCounts = countedViews(stack.servers().postgres(), "chaos-p2-");

            HistoryChecker checker = new HistoryChecker(history).check();
            checker.checkCounters("every fault but a wipe", workload.increments(), 1, firstCounts, unsettled, false);
            checker.checkCounters("Redis restarted empty", workload.increments(), 2, secondCounts,
                    unsettledAfterWipe, true);
            halfWritten.forEach(difference -> checker.violations().add("half-written: " + difference));
            report(checker, out, seed, Duration.ofNanos(System.nanoTime() - began));
            writeHistory(history, out.resolve("history.jsonl"));
            return checker;
        }
    }

    /** Every kind but the wipe, in a seeded order, again and again until {@code millis} have passed. */
    private static void injectOnSchedule(ChaosStack stack, History history, Workload workload, Random random,
                                         long millis) throws InterruptedException {
        List<Fault> kinds = new ArrayList<>(List.of(Fault.values()));
        kinds.remove(Fault.REDIS_RESTARTED_EMPTY);
        long deadline = history.now() + millis;
        boolean everyKindOnce = false;
        while (!everyKindOnce || history.now() < deadline) {
            Collections.shuffle(kinds, random);
            for (Fault fault : kinds) {
                if (everyKindOnce && history.now() >= deadline) {
                    break;
                }
                Thread.sleep(GAP_MILLIS);
                inject(stack, history, workload, random, fault);
            }
            everyKindOnce = true;
        }
        Thread.sleep(GAP_MILLIS);
    }

    private static void inject(ChaosStack stack, History history, Workload workload, Random random, Fault fault)
            throws InterruptedException {
        long start = history.now();
        System.out.printf("%7.1f s  %s%n", start / 1000.0, fault.description());
        Runnable heal = fault.inject(stack, random);
        if (fault == Fault.CLIENTS_DISCONNECT) {
            long until = System.nanoTime() + fault.durationMillis() * 1_000_000;
            while (System.nanoTime() < until) {
                workload.abandonRequests(10, random);
                Thread.sleep(50);
            }
        } else {
            Thread.sleep(fault.durationMillis());
        }
        heal.run();
        history.record(new History.Window(fault, start, history.now()));
    }

    /**
     * Views per item whose id starts with {@code prefix}, as flushed to PostgreSQL's metrics database: the record
     * the counters are judged by.
     */
    static Map<String, Long> countedViews(PostgresAddress postgres, String prefix) throws SQLException {
        Map<String, Long> counted = new HashMap<>();
        try (Connection connection = DriverManager.getConnection(postgres.jdbcUrl("metrics"), postgres.user(),
                postgres.password());
             PreparedStatement query = connection.prepareStatement(
                     "SELECT item_id, views FROM item_counter WHERE item_id LIKE ?")) {
            query.setString(1, prefix + "%");
            try (ResultSet rows = query.executeQuery()) {
                while (rows.next()) {
                    counted.put(rows.getString(1), rows.getLong(2));
                }
            }
        }
        return counted;
    }

    private static void report(HistoryChecker checker, Path out, long seed, Duration took) {
        Map<String, Object> figures = checker.figures();
        System.out.println();
        System.out.printf("%-24s %7s %10s %8s %8s %9s %8s %12s%n", "fault", "windows", "operations", "5xx",
                "503", "no answer", "> 5 s", "recovery ms");
        @SuppressWarnings("unchecked")
        Map<String, Map<String, Object>> faults = (Map<String, Map<String, Object>>) figures.get("faults");
        faults.forEach((fault, cells) -> System.out.printf("%-24s %7s %10s %8s %8s %9s %8s %12s%n",
                fault.toLowerCase(Locale.ROOT), cells.get("windows"), cells.get("operations"),
                cells.get("5xx (not 503 problem)"), cells.get("503 problem"), cells.get("no answer"),
                cells.get("over 5 s"), recoveryText((Long) cells.get("recovery ms (max)"))));
        System.out.println();
        figures.forEach((name, figure) -> {
            if (!name.equals("faults")) {
                System.out.println(name + ": " + figure);
            }
        });
        double consistency = checker.consistency();
        String nines = checker.readsBeyondBound() == 0 ? "none beyond the bound"
                : String.format(Locale.ROOT, "%.1f nines", -Math.log10(1 - consistency));
        System.out.printf(Locale.ROOT, "consistency: 1 - %d / %d reads beyond their bound = %.6f (%s)%n",
                checker.readsBeyondBound(), checker.readsChecked(), consistency, nines);
        System.out.println("violations: " + checker.violations().size());
        checker.violations().stream().limit(40).forEach(violation -> System.out.println("  " + violation));
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("seed", seed);
        json.put("seconds", took.toSeconds());
        json.put("machine", Runtime.getRuntime().availableProcessors() + " CPUs, " + System.getProperty("os.name")
                + " " + System.getProperty("os.arch") + ", Java " + System.getProperty("java.version"));
        json.putAll(figures);
        json.put("consistency", consistency);
        json.put("readsChecked", checker.readsChecked());
        json.put("readsBeyondBound", checker.readsBeyondBound());
        json.put("violations", checker.violations());
        try {
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(out.resolve("report.json")
                    .toFile(), json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        System.out.println("report: " + out.resolve("report.json"));
    }

    /** Every operation and fault window, one JSON object a line: to look into a violation afterwards. */
    private static void writeHistory(History history, Path file) throws IOException {
        ObjectMapper json = new ObjectMapper();
        try (var writer = Files.newBufferedWriter(file)) {
            for (History.Window window : history.windows()) {
                writer.write(json.writeValueAsString(window));
                writer.newLine();
            }
            for (History.Op op : history.ops()) {
                writer.write(json.writeValueAsString(op));
                writer.newLine();
            }
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (Files.exists(root)) {
            try (var paths = Files.walk(root)) {
                for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(path);
                }
            }
        }
    }

    private static String recoveryText(long millis) {
        return millis == Long.MAX_VALUE ? "never" : String.valueOf(millis);
    }
}
