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
 *
 * <p>A server is started on every CPU and pinned once it is ready ({@link #pinReady}), with the JVM told that it has
 * one ({@code -XX:ActiveProcessorCount=1}: the same thread pools and garbage collector as when started pinned); its
 * start-up then takes half as long, and what is measured afterwards is the same. Where the start-up is what is
 * measured, {@code -Dcachepatterns.pin-from-start=true} pins it from its first instruction.
 */
public final class CpuPinning {

    public static final String PROPERTY = "cachepatterns.server-cpu";
    public static final String FROM_START_PROPERTY = "cachepatterns.pin-from-start";

    private CpuPinning() {
    }

    /** The CPU servers are pinned to, or {@code null} when they are not pinned. */
    public static String serverCpu() {
        String cpu = System.getProperty(PROPERTY, "").trim();
        return cpu.isEmpty() || taskset() == null ? null : cpu;
    }

    /**
     * A server's {@code java …} command line as it should be started: behind {@code taskset -c N} when servers are
     * pinned from their start, else sized for one CPU, to be pinned by {@link #pinReady} once ready.
     */
    public static List<String> serverCommand(List<String> javaCommand) {
        String cpu = serverCpu();
        if (cpu == null) {
            return javaCommand;
        }
        List<String> command = new ArrayList<>();
        if (Boolean.getBoolean(FROM_START_PROPERTY)) {
            command.addAll(List.of(taskset(), "-c", cpu));
            command.addAll(javaCommand);
        } else {
            // On every CPU: a child inherits its parent's, and the benchmark's JVM is pinned away from the server's.
            command.addAll(List.of(taskset(), "-c", onlineCpus()));
            command.add(javaCommand.get(0));
            command.add("-XX:ActiveProcessorCount=1");
            command.addAll(javaCommand.subList(1, javaCommand.size()));
        }
        return command;
    }

    /**
     * Pins every thread of a server started by {@link #serverCommand}, now that it is ready; the threads it starts
     * later inherit the pinning.
     */
    public static void pinReady(Process server) {
        String cpu = serverCpu();
        if (cpu == null || Boolean.getBoolean(FROM_START_PROPERTY)) {
            return;
        }
        try {
            Process taskset = new ProcessBuilder(taskset(), "-a", "-p", "-c", cpu, String.valueOf(server.pid()))
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (taskset.waitFor() != 0) {
                throw new IllegalStateException("taskset could not pin process " + server.pid() + " to CPU " + cpu);
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
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

    /** The machine's CPUs, as {@code taskset -c} reads them ("0-1"). */
    private static String onlineCpus() {
        try {
            return Files.readString(Path.of("/sys/devices/system/cpu/online")).trim();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
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
