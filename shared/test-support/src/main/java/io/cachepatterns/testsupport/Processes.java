package io.cachepatterns.testsupport;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.stream.Stream;

/** The little process plumbing that the local servers need. */
final class Processes {

    private Processes() {
    }

    static Optional<Path> onPath(String executable) {
        String path = System.getenv().getOrDefault("PATH", "");
        return Stream.of(path.split(File.pathSeparator))
                .filter(dir -> !dir.isBlank())
                .map(dir -> Path.of(dir, executable))
                .filter(Files::isExecutable)
                .findFirst();
    }

    static Path realPath(Path path) {
        try {
            return path.toRealPath();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    /** The primary group id of {@code user}, from /etc/passwd. */
    static String groupIdOf(String user) {
        return passwdEntry(user).map(fields -> fields[3])
                .orElseThrow(() -> new IllegalStateException("no user " + user + " in /etc/passwd"));
    }

    static boolean userExists(String user) {
        return passwdEntry(user).isPresent();
    }

    /** {@code user}'s line of /etc/passwd, split at its colons; empty if there is none (or no such file). */
    private static Optional<String[]> passwdEntry(String user) {
        try {
            return Files.readAllLines(Path.of("/etc/passwd")).stream()
                    .filter(line -> line.startsWith(user + ":"))
                    .map(line -> line.split(":"))
                    .findFirst();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** Runs a command to its end; its output goes into the exception if it fails. */
    static void run(List<String> command) {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(120, TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " failed:\n" + output);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static void waitUntil(Duration limit, BooleanSupplier condition, Supplier<String> failure) {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(failure.get());
            }
            sleep(50);
        }
    }

    static boolean accepts(PostgresAddress address) {
        try (var ignored = DriverManager.getConnection(address.jdbcUrl(address.database()), address.user(),
                address.password())) {
            return true;
        } catch (SQLException e) {
            return false;
        }
    }

    /** SIGTERM, then SIGKILL if the process has not gone within ten seconds. */
    static void terminate(Process process) {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** SIGINT: PostgreSQL's fast shutdown, which does not wait for clients to disconnect (SIGTERM would). */
    static void interrupt(Process process) {
        try {
            signal(process, "INT");
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                terminate(process);
            }
        } catch (RuntimeException e) {
            terminate(process);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Sends {@code signal} (a name: {@code STOP}, {@code CONT}, {@code INT}) to the process. Java can send only TERM and
     * KILL, so this asks {@code /bin/sh}, whose {@code kill} is a builtin: a machine without procps (a minimal
     * Debian has no {@code kill} program) can run it too.
     */
    static void signal(Process process, String signal) {
        run(List.of("/bin/sh", "-c", "kill -s \"$0\" \"$1\"", signal, String.valueOf(process.pid())));
    }

    static String tail(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // best effort: a temp directory left behind is harmless
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
