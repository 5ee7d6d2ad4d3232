package io.cachepatterns.bench;

import io.cachepatterns.testsupport.CpuPinning;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A benchmark's own server (the limit server, a naive baseline) in a JVM of its own, pinned like the services
 * ({@link CpuPinning}), ready once it answers {@code GET /q/health/ready} on its port. Its log goes to
 * {@code logs/<name>.log}.
 */
public final class HelperServer implements AutoCloseable {

    private final Process process;

    private HelperServer(Process process) {
        this.process = process;
    }

    /** Starts {@code mainClass} from this JVM's class path with {@code args}, and waits until it is ready. */
    public static HelperServer start(String name, Class<?> mainClass, int port, List<String> args, Path logs)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-Xmx256m", "-cp", System.getProperty("java.class.path"), mainClass.getName()));
        command.addAll(args);
        Path log = logs.resolve(name + ".log");
        Process process = new ProcessBuilder(CpuPinning.serverCommand(command)).redirectErrorStream(true)
                .redirectOutput(log.toFile()).start();
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        HttpRequest ready = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/q/health/ready"))
                .timeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline && process.isAlive()) {
            try {
                if (http.send(ready, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    CpuPinning.pinReady(process);
                    return new HelperServer(process);
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(200);
        }
        process.destroyForcibly();
        throw new IllegalStateException(name + " did not start; see " + log);
    }

    /** {@code kill -9}: whatever it held in memory is gone, as in a crash. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        process.waitFor();
    }
}
