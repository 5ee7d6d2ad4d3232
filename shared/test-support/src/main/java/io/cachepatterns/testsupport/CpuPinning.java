package io.cachepatterns.testsupport;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Where a benchmark's measured servers run. With {@code -Dcachepatterns.server-cpu=N} (set by {@code bench/run}),
 * every server a benchmark starts — each service and the limit server — runs alone on CPU {@code N} under
 * {@code taskset}, while the load generator, Redis and PostgreSQL run on the CPUs the benchmark itself was given.
 * Then a server's requests per second is its cost per request on one core, and two servers compare fairly; shared
 * cores flatter whichever server leaves the load generator more room. Unset (tests, the run command): no pinning.
 */
public final class CpuPinning {

    public static final String PROPERTY = "cachepatterns.server-cpu";

    private CpuPinning() {
    }

    /** The CPU servers are pinned to, or {@code null} when they are not pinned. */
    public static String serverCpu() {
        String cpu = System.getProperty(PROPERTY, "").trim();
        return cpu.isEmpty() || taskset() == null ? null : cpu;
    }

    /** {@code command} as it should be started: behind {@code taskset -c N} when servers are pinned. */
    public static List<String> serverCommand(List<String> command) {
        String cpu = serverCpu();
        if (cpu == null) {
            return command;
        }
        List<String> pinned = new ArrayList<>(List.of(taskset(), "-c", cpu));
        pinned.addAll(command);
        return pinned;
    }

    /** One line for a benchmark's output. */
    public static String describe() {
        String cpu = serverCpu();
        int cores = Runtime.getRuntime().availableProcessors();
        return cpu == null
                ? cores + " cores shared by the servers, the load generator, Redis and PostgreSQL (not pinned)"
                : "each server pinned alone to CPU " + cpu + "; the load generator, Redis and PostgreSQL on the other"
                        + " CPU" + (cores == 1 ? "" : "s") + " (" + cores + ")";
    }

    private static String taskset() {
        for (String dir : List.of("/usr/bin", "/bin", "/usr/local/bin")) {
            if (Files.isExecutable(Path.of(dir, "taskset"))) {
                return Path.of(dir, "taskset").toString();
            }
        }
        return null;
    }
}
