package io.cachepatterns.testsupport;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * A PostgreSQL server process: the installed binaries where there are any, else the zonky embedded distribution
 * that Maven fetched, so that a JDK is enough.
 *
 * <p>PostgreSQL refuses to run as root. As root (CI runs so) the server runs as the {@code postgres} user, or
 * {@code nobody} where there is none, through {@code setpriv}, which replaces itself with the server so that the
 * process we hold is the server's own; without installed binaries, the embedded distribution's are unpacked for it
 * ({@link EmbeddedPostgresBinaries}).
 */
final class LocalPostgres implements AutoCloseable {

    private static final String SUPERUSER = "postgres";
    /**
     * {@code -Dcachepatterns.pg.durable=true}: commits reach the disk, as in production. The benchmarks set it, so
     * that a database write costs what it really costs; tests leave it off.
     */
    private static final boolean DURABLE = Boolean.getBoolean("cachepatterns.pg.durable");
    /**
     * {@code -Dcachepatterns.pg.statements=true}: {@code pg_stat_statements} loaded (where installed), so that the
     * benchmark report can count the queries each pattern sends; a database still has to {@code CREATE EXTENSION}.
     */
    private static final boolean COUNTS_STATEMENTS = Boolean.getBoolean("cachepatterns.pg.statements");

    private final PostgresAddress address;
    private final String description;
    /** Stops the server and deletes its data for good. */
    private final AutoCloseable remover;
    /** Starts the server again on the same data after {@link #stop()}; null where that is not possible. */
    private final Supplier<Process> starter;
    private Process server;

    private LocalPostgres(PostgresAddress address, String description, AutoCloseable remover,
                          Supplier<Process> starter) {
        this.address = address;
        this.description = description;
        this.remover = remover;
        this.starter = starter;
    }

    static LocalPostgres start(int port) {
        Optional<Path> bin = installedBinDir();
        if (bin.isPresent()) {
            return startInstalled(bin.get(), port);
        }
        if (Processes.isRoot()) {
            // PostgreSQL refuses to run as root: the embedded distribution's binaries, unpacked, run as another user.
            return startInstalled(EmbeddedPostgresBinaries.unpack(), port);
        }
        return startEmbedded(port);
    }

    PostgresAddress address() {
        return address;
    }

    String description() {
        return description;
    }

    /** A fast shutdown (clients cut off, every commit kept), as an operator's restart or a failover does. */
    synchronized void stop() {
        requireRestartable();
        if (server != null) {
            Processes.interrupt(server);
            server = null;
        }
    }

    /** Starts the server again on its data after {@link #stop()}, and waits until it accepts connections. */
    synchronized void start() {
        requireRestartable();
        if (server == null) {
            server = starter.get();
        }
    }

    private void requireRestartable() {
        if (starter == null) {
            throw new UnsupportedOperationException("the embedded PostgreSQL cannot be stopped and started again");
        }
    }

    @Override
    public void close() {
        try {
            remover.close();
        } catch (Exception e) {
            throw new IllegalStateException("cannot stop PostgreSQL", e);
        }
    }

    private static LocalPostgres startInstalled(Path bin, int port) {
        try {
            Path dataDir = Files.createTempDirectory("cache-patterns-pg-");
            Optional<String> runAs = Processes.isRoot() ? Optional.of(unprivilegedUser()) : Optional.empty();
            if (runAs.isPresent()) {
                Processes.run(List.of("chown", "-R", runAs.get(), dataDir.toString()));
            }
            Processes.run(asUser(runAs, List.of(bin.resolve("initdb").toString(), "-D", dataDir.toString(),
                    "-U", SUPERUSER, "-A", "trust", "-E", "UTF8", "--no-locale", "--no-sync")));
            List<String> command = new ArrayList<>(List.of(bin.resolve("postgres").toString(),
                    "-D", dataDir.toString(), "-p", String.valueOf(port), "-k", dataDir.toString(),
                    "-c", "listen_addresses=127.0.0.1", "-c", "max_connections=200"));
            if (COUNTS_STATEMENTS && Files.isRegularFile(bin.resolve("../lib/pg_stat_statements.so").normalize())) {
                // The benchmark report counts the database queries each pattern costs (pg_stat_statements).
                command.addAll(List.of("-c", "shared_preload_libraries=pg_stat_statements"));
            }
            if (!DURABLE) {
                // A test server is thrown away, and fsync would only slow the tests.
                command.addAll(List.of("-c", "fsync=off", "-c", "synchronous_commit=off",
                        "-c", "full_page_writes=off"));
            }
            PostgresAddress address = new PostgresAddress("127.0.0.1", port, SUPERUSER, SUPERUSER, "postgres");
            Supplier<Process> starter = () -> {
                try {
                    Process started = new ProcessBuilder(asUser(runAs, command))
                            .redirectErrorStream(true)
                            .redirectOutput(ProcessBuilder.Redirect.appendTo(dataDir.resolve("server.log").toFile()))
                            .start();
                    Processes.waitUntil(Duration.ofSeconds(30), () -> Processes.accepts(address),
                            () -> "PostgreSQL on port " + port + " did not start; log: "
                                    + Processes.tail(dataDir.resolve("server.log")));
                    return started;
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            };
            List<LocalPostgres> self = new ArrayList<>(1); // the remover stops the server it belongs to
            AutoCloseable remover = () -> {
                self.get(0).stop();
                Processes.deleteTree(dataDir);
            };
            LocalPostgres postgres = new LocalPostgres(address, "PostgreSQL from " + bin
                    + runAs.map(u -> " as " + u).orElse("") + (DURABLE ? ", durable" : ", fsync off"), remover,
                    starter);
            self.add(postgres);
            postgres.start();
            return postgres;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static LocalPostgres startEmbedded(int port) {
        try {
            EmbeddedPostgres postgres = EmbeddedPostgres.builder().setPort(port).start();
            PostgresAddress address = new PostgresAddress("127.0.0.1", port, SUPERUSER, SUPERUSER, "postgres");
            return new LocalPostgres(address, "embedded PostgreSQL (zonky)", postgres, null);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the embedded PostgreSQL", e);
        }
    }

    private static List<String> asUser(Optional<String> user, List<String> command) {
        if (user.isEmpty()) {
            return command;
        }
        // The user's own group by number: "nobody"'s group is named "nogroup" on Debian.
        List<String> wrapped = new ArrayList<>(List.of("setpriv", "--reuid=" + user.get(),
                "--regid=" + Processes.groupIdOf(user.get()), "--clear-groups", "--"));
        wrapped.addAll(command);
        return wrapped;
    }

    private static String unprivilegedUser() {
        return Processes.userExists("postgres") ? "postgres" : "nobody";
    }

    /** {@code PG_BIN}, the directory of {@code pg_ctl} on the PATH, or Debian's newest under /usr/lib/postgresql. */
    private static Optional<Path> installedBinDir() {
        Optional<Path> fromEnv = Optional.ofNullable(System.getenv("PG_BIN")).map(Path::of);
        if (fromEnv.isPresent()) {
            return fromEnv;
        }
        Optional<Path> onPath = Processes.onPath("initdb").map(Processes::realPath).map(Path::getParent);
        if (onPath.isPresent()) {
            return onPath;
        }
        Path debian = Path.of("/usr/lib/postgresql");
        if (!Files.isDirectory(debian)) {
            return Optional.empty();
        }
        try (Stream<Path> versions = Files.list(debian)) {
            return versions.map(v -> v.resolve("bin"))
                    .filter(b -> Files.isExecutable(b.resolve("initdb")))
                    .max(Comparator.comparing(b -> versionOf(b.getParent())));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static int versionOf(Path versionDir) {
        try {
            return Integer.parseInt(versionDir.getFileName().toString());
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
