package io.cachepatterns.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A packaged service ({@code target/quarkus-app/quarkus-run.jar}) started as its own JVM with the environment
 * contract that compose and Kubernetes use ({@code REDIS_URL}, {@code DB_*}, {@code QUARKUS_HTTP_PORT}).
 */
public final class ServiceProcess implements AutoCloseable {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final String name;
    private final int port;
    private final Process process;
    private final Path log;
    private volatile Duration readyAfter = Duration.ZERO;

    private ServiceProcess(String name, int port, Process process, Path log) {
        this.name = name;
        this.port = port;
        this.process = process;
        this.log = log;
    }

    /**
     * The operator's token of every service this JVM starts: made up per run, never a known default, so a stack left
     * running is not open to whoever reads this code.
     */
    public static final String LOCAL_ADMIN_TOKEN = randomSecret();

    /** The key of the MAC on cached sessions, the same for every service this JVM starts (see the auth package). */
    public static final String LOCAL_SESSION_SECRET = randomSecret();

    private static String randomSecret() {
        byte[] bytes = new byte[32];
        new java.security.SecureRandom().nextBytes(bytes);
        return java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** The environment contract for a service on {@code port} with its own database {@code database}. */
    public static Map<String, String> environment(Servers servers, String database, int port) {
        return environment(servers, servers.postgres(), database, port);
    }

    /** As above, logging in to PostgreSQL as {@code postgres} says (a service's own role, say). */
    public static Map<String, String> environment(Servers servers, PostgresAddress postgres, String database,
                                                  int port) {
        Map<String, String> environment = new java.util.HashMap<>(environment(servers, port));
        environment.putAll(Map.of(
                "DB_HOST", postgres.host(),
                "DB_PORT", String.valueOf(postgres.port()),
                "DB_NAME", database,
                "DB_USER", postgres.user(),
                "DB_PASSWORD", postgres.password()));
        return Map.copyOf(environment);
    }

    /** A port nothing listens on right now, for a service to start on. */
    public static int freePort() {
        return LocalServers.freePort();
    }

    /** The environment contract for a service on {@code port} that has no database of its own (Redis only). */
    public static Map<String, String> environment(Servers servers, int port) {
        Map<String, String> environment = new java.util.HashMap<>(Map.of("SESSION_SECRET", LOCAL_SESSION_SECRET,
                "ADMIN_TOKEN", LOCAL_ADMIN_TOKEN, "REDIS_URL", servers.redisUrl(),
                "QUARKUS_HTTP_PORT", String.valueOf(port)));
        if (!"standalone".equals(servers.redisClientType())) {
            // Only then: REDIS_HOSTS wins over REDIS_URL, which a test may point at a fault proxy.
            environment.put("REDIS_CLIENT_TYPE", servers.redisClientType());
            environment.put("REDIS_HOSTS", servers.redisHosts());
        }
        return Map.copyOf(environment);
    }

    /** Starts {@code jar} and waits until {@code /q/health/ready} answers 200. */
    public static ServiceProcess start(String name, Path jar, Map<String, String> environment, List<String> jvmArgs,
                                       Path logDir) {
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " does not exist: build first (./mvnw install -DskipTests)");
        }
        int port = Integer.parseInt(environment.get("QUARKUS_HTTP_PORT"));
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmArgs);
        command.addAll(List.of("-jar", jar.toString()));
        try {
            Files.createDirectories(logDir);
            Path log = logDir.resolve(name + ".log");
            ProcessBuilder builder = new ProcessBuilder(CpuPinning.serverCommand(command)).redirectErrorStream(true)
                    .redirectOutput(log.toFile());
            builder.environment().putAll(environment);
            long started = System.nanoTime();
            ServiceProcess service = new ServiceProcess(name, port, builder.start(), log);
            service.awaitReady(Duration.ofSeconds(90));
            service.readyAfter = Duration.ofNanos(System.nanoTime() - started);
            CpuPinning.pinReady(service.process);
            return service;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String name() {
        return name;
    }

    /** How long it took from starting the JVM until {@code /q/health/ready} answered 200. */
    public Duration readyAfter() {
        return readyAfter;
    }

    /** The service's JVM process (under {@code taskset}, which replaces itself with it: the same process). */
    public long pid() {
        return process.pid();
    }

    public int port() {
        return port;
    }

    public URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    private void awaitReady(Duration limit) {
        try {
            Processes.waitUntil(limit, this::ready, () -> name + " did not become ready on port " + port + "; log:\n"
                    + Processes.tail(log));
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    private boolean ready() {
        if (!process.isAlive()) {
            throw new IllegalStateException(name + " exited with " + process.exitValue() + "; log:\n"
                    + Processes.tail(log));
        }
        try {
            HttpResponse<Void> response = HTTP.send(HttpRequest.newBuilder(uri("/q/health/ready"))
                    .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding());
            // The answer must be this process's: another one on the same port once answered for an instance that
            // had failed to bind it (the OS handed out one free port twice), and took its requests.
            return response.statusCode() == 200 && listensOnItsPort();
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Whether this process has logged that it listens on its port (Quarkus' start-up line). */
    private boolean listensOnItsPort() throws IOException {
        String bound = "Listening on: http://0.0.0.0:" + port;
        try (java.util.stream.Stream<String> lines = Files.lines(log)) {
            return lines.anyMatch(line -> line.contains(bound));
        }
    }

    /** {@code kill -9}: no shutdown hook, no final flush, as in a crash. */
    public void kill() {
        process.destroyForcibly();
        try {
            process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        Processes.terminate(process);
    }

    /**
     * Stops all of them at once (SIGTERM, each finishing what it has in progress): one after another, the run
     * command took about 50 s to stop.
     */
    public static void stopAll(java.util.Collection<ServiceProcess> services) {
        List<Thread> stopping = new ArrayList<>();
        for (ServiceProcess service : services) {
            Thread thread = new Thread(service::close, "stop-" + service.name());
            thread.start();
            stopping.add(thread);
        }
        for (Thread thread : stopping) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
