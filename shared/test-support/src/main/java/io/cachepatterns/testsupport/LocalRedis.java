package io.cachepatterns.testsupport;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * A {@code redis-server} process: Debian's where it is installed, else the binary that the
 * {@code com.github.codemonstur:embedded-redis} jar carries, so that a JDK is enough.
 */
final class LocalRedis implements LocalRedisProcesses {

    /** Set to {@code true}: the embedded binary even where Redis is installed (what a machine with a JDK alone runs). */
    static final String EMBEDDED_PROPERTY = "cachepatterns.redis.embedded";

    private final Path binary;
    private final int port;
    private final Path workDir;
    private final boolean appendOnly;
    private final List<String> extraArgs;
    /** A sentinel's configuration file (Sentinel rewrites it as it learns), or {@code null}. */
    private final Path configFile;
    private Process process;

    private LocalRedis(Path binary, int port, Path workDir, boolean appendOnly, List<String> extraArgs,
                       Path configFile) {
        this.binary = binary;
        this.port = port;
        this.workDir = workDir;
        this.appendOnly = appendOnly;
        this.extraArgs = extraArgs;
        this.configFile = configFile;
    }

    static LocalRedis start(int port) {
        return start(port, false);
    }

    /**
     * {@code appendOnly}: persisted as deployed (AOF, {@code appendfsync everysec}), so that a restart after a kill
     * finds what Redis had written to its log; otherwise nothing is kept, and a test server starts empty.
     */
    static LocalRedis start(int port, boolean appendOnly) {
        return start(port, appendOnly, List.of());
    }

    /** With {@code extraArgs} on the command line: a cluster node's, a replica's, a sentinel's settings. */
    static LocalRedis start(int port, boolean appendOnly, List<String> extraArgs) {
        return start(port, appendOnly, extraArgs, null);
    }

    /**
     * A sentinel watching the primary on {@code primaryPort} as {@code masterName}, with a quorum of
     * {@code quorum}, on a configuration file of its own.
     */
    static LocalRedis startSentinel(int port, String masterName, int primaryPort, int quorum,
                                    Duration downAfter) {
        return start(port, false, List.of("--sentinel"), String.join("\n",
                "sentinel monitor " + masterName + " 127.0.0.1 " + primaryPort + " " + quorum,
                "sentinel down-after-milliseconds " + masterName + " " + downAfter.toMillis(),
                "sentinel failover-timeout " + masterName + " " + downAfter.multipliedBy(5).toMillis(),
                "sentinel parallel-syncs " + masterName + " 1", ""));
    }

    private static LocalRedis start(int port, boolean appendOnly, List<String> extraArgs, String configText) {
        try {
            Path workDir = Files.createTempDirectory("cache-patterns-redis-");
            Path binary = installed().orElseGet(() -> extractEmbedded(workDir));
            Path configFile = null;
            if (configText != null) {
                configFile = Files.writeString(workDir.resolve("redis.conf"), configText);
            }
            LocalRedis redis = new LocalRedis(binary, port, workDir, appendOnly, extraArgs, configFile);
            redis.restart();
            return redis;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    int port() {
        return port;
    }

    @Override
    public String url() {
        return "redis://127.0.0.1:" + port;
    }

    @Override
    public String clientType() {
        return "standalone";
    }

    @Override
    public String hosts() {
        return url();
    }

    @Override
    public String description() {
        return "redis-server " + binary;
    }

    @Override
    public synchronized void restart() {
        if (process != null && process.isAlive()) {
            return;
        }
        List<String> command = new java.util.ArrayList<>(List.of(binary.toString()));
        if (configFile != null) {
            command.add(configFile.toString()); // first, before the options
        }
        command.addAll(List.of("--port", String.valueOf(port),
                "--bind", "127.0.0.1", "--save", "", "--appendonly", appendOnly ? "yes" : "no",
                "--appendfsync", "everysec", "--dir", workDir.toString(), "--daemonize", "no"));
        command.addAll(extraArgs);
        try {
            process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(workDir.resolve("redis.log").toFile())
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + binary, e);
        }
        Processes.waitUntil(Duration.ofSeconds(20), this::answersPing, () -> "redis-server on port " + port
                + " did not answer PING; log: " + Processes.tail(workDir.resolve("redis.log")));
    }

    @Override
    public synchronized void stop() {
        if (process != null) {
            Processes.terminate(process);
            process = null;
        }
    }

    /** {@code kill -9}: no last write to the append-only file, as in a crash. */
    @Override
    public synchronized void kill() {
        if (process != null) {
            process.destroyForcibly();
            try {
                process.waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            process = null;
        }
    }

    @Override
    public Runnable killPrimaryOf(String key) {
        kill();
        return this::restart;
    }

    /** Deletes what Redis persisted (while it is stopped), so that the next start is empty, as on a new node. */
    @Override
    public synchronized void wipe() {
        if (process != null) {
            throw new IllegalStateException("stop redis-server before wiping its data");
        }
        Processes.deleteTree(workDir.resolve("appendonlydir"));
        Processes.deleteTree(workDir.resolve("appendonly.aof")); // Redis 6's single file
        Processes.deleteTree(workDir.resolve("dump.rdb"));
    }

    /** {@code kill -STOP} freezes the server, {@code kill -CONT} thaws it. */
    @Override
    public synchronized void signal(String signal) {
        if (process == null) {
            throw new IllegalStateException("redis-server is not running");
        }
        Processes.signal(process, signal);
    }

    @Override
    public void close() {
        if (process != null && process.isAlive()) {
            signal("CONT"); // a frozen process would not act on SIGTERM until thawed
        }
        stop();
        Processes.deleteTree(workDir);
    }

    private boolean answersPing() {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(1000);
            socket.getOutputStream().write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            byte[] reply = socket.getInputStream().readNBytes(7);
            return new String(reply, StandardCharsets.US_ASCII).startsWith("+PONG");
        } catch (IOException e) {
            return false;
        }
    }

    /** Debian's (or any) {@code redis-server} on the PATH, unless {@code -Dcachepatterns.redis.embedded=true}. */
    private static Optional<Path> installed() {
        if (Boolean.getBoolean(EMBEDDED_PROPERTY)) {
            return Optional.empty();
        }
        return Processes.onPath("redis-server");
    }

    private static Path extractEmbedded(Path dir) {
        String resource = embeddedResourceName();
        Path target = dir.resolve("redis-server");
        try (InputStream in = LocalRedis.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("no redis-server on PATH and no embedded binary " + resource);
            }
            Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (!target.toFile().setExecutable(true)) {
            throw new IllegalStateException("cannot make " + target + " executable");
        }
        return target;
    }

    /** The binaries inside the embedded-redis jar, by platform. */
    private static String embeddedResourceName() {
        String os = System.getProperty("os.name").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
        boolean arm = arch.contains("aarch64") || arch.contains("arm64");
        if (os.contains("mac")) {
            return arm ? "redis-server-6.2.6-v5-darwin-arm64" : "redis-server-6.2.6-v5-darwin-amd64";
        }
        return arm ? "redis-server-6.2.7-linux-arm64" : "redis-server-6.2.6-v5-linux-amd64";
    }
}
