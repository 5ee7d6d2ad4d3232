package io.cachepatterns.bench;

import io.cachepatterns.testsupport.CpuPinning;
import io.cachepatterns.testsupport.LocalStack;
import io.cachepatterns.testsupport.SeedData;
import io.cachepatterns.testsupport.ServiceProcess;
import io.cachepatterns.testsupport.Servers;
import io.vertx.core.http.HttpMethod;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What each service costs to run, as the images run it: every service started with the JVM options of the image
 * ({@code JAVA_OPTS} in the Dockerfile, read from it so that what is measured is what ships), then loaded on its
 * main read and write paths; prints the time to ready and the resident memory after the load and at its peak, next
 * to the container limit the deployment files give it. The limits in docker-compose.yml and k8s/ are sized from
 * these figures.
 *
 * <p>Arguments: repository root, seconds of load per service, connections.
 */
public final class MemoryBenchmark {

    /** The memory limit of a service's container in docker-compose.yml and k8s/base. */
    private static final long LIMIT_MIB = 384;

    private MemoryBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        Path root = Path.of(args.length > 0 ? args[0] : ".").toAbsolutePath().normalize();
        Duration load = Duration.ofSeconds(args.length > 1 ? Long.parseLong(args[1]) : 20);
        int connections = args.length > 2 ? Integer.parseInt(args[2]) : 32;
        List<String> jvm = imageJavaOptions(root.resolve("Dockerfile"));
        System.out.println(CpuPinning.describe());
        System.out.printf("JVM options from the Dockerfile: %s; %d connections, %ds of load per path%n",
                String.join(" ", jvm), connections, load.toSeconds());

        try (Servers servers = Servers.start();
             LocalStack stack = LocalStack.start(root, servers, root.resolve("target/bench"),
                     service -> ServiceProcess.freePort(), Map.of(), jvm)) {
            SeedData.load(stack);
            io.vertx.core.Vertx vertx = io.vertx.core.Vertx.vertx(new io.vertx.core.VertxOptions()
                    .setEventLoopPoolSize(1));
            try {
                LoadGenerator reads = new LoadGenerator(vertx, connections);
                // As a trusted caller (a server reporting views): anonymous views are rate-limited per address.
                LoadGenerator increments = new LoadGenerator(vertx, connections, HttpMethod.POST, 202,
                        "Bearer " + ServiceProcess.LOCAL_ADMIN_TOKEN);
                Duration warmUp = Duration.ofSeconds(2);
                List<LoadGenerator.Result> results = new ArrayList<>();
                results.add(reads.run("catalog GET /products/1", stack.service("catalog").port(), "/products/1",
                        warmUp, load));
                results.add(reads.run("catalog GET /products", stack.service("catalog").port(), "/products?limit=20",
                        warmUp, load));
                results.add(reads.run("profile GET /profiles/1", stack.service("profile").port(), "/profiles/1",
                        warmUp, load));
                results.add(increments.run("metrics POST views", stack.service("metrics").port(),
                        () -> "/items/m-" + java.util.concurrent.ThreadLocalRandom.current().nextInt(10_000)
                                + "/views", warmUp, load));
                results.add(reads.run("metrics GET stats", stack.service("metrics").port(),
                        "/items/stats?ids=1,2,3,4,5,6", warmUp, load));
                results.add(reads.run("feed GET /feed", stack.service("feed").port(), "/feed", warmUp, load));
                System.out.printf("%n%-26s %12s %8s%n", "load", "requests/s", "errors");
                for (LoadGenerator.Result result : results) {
                    System.out.printf("%-26s %12.0f %8d%n", result.target(), result.requestsPerSecond(),
                            result.errors());
                }
            } finally {
                vertx.close();
            }

            System.out.println();
            System.out.printf("%-16s %12s %14s %14s %12s%n", "service", "ready after", "RSS after load",
                    "peak RSS", "limit");
            for (ServiceProcess service : stack.services()) {
                long[] rss = residentKib(service.pid());
                System.out.printf("%-16s %10.2f s %10d MiB %10d MiB %8d MiB%s%n", service.name(),
                        service.readyAfter().toMillis() / 1000.0, rss[0] / 1024, rss[1] / 1024, LIMIT_MIB,
                        rss[1] / 1024 > LIMIT_MIB * 0.85 ? "  (peak within 15 % of the limit!)" : "");
            }
            Duration slowest = stack.services().stream().map(ServiceProcess::readyAfter).max(Duration::compareTo)
                    .orElseThrow();
            System.out.printf("%ntarget: every service ready within 1.5 s: %s (slowest %.2f s)%n",
                    slowest.toMillis() <= 1_500 ? "MET" : "NOT MET", slowest.toMillis() / 1000.0);
        }
    }

    /** {@code ENV JAVA_OPTS="…"} of the Dockerfile, split into arguments. */
    static List<String> imageJavaOptions(Path dockerfile) throws IOException {
        Matcher options = Pattern.compile("(?m)^ENV JAVA_OPTS=\"([^\"]*)\"").matcher(Files.readString(dockerfile));
        if (!options.find()) {
            throw new IllegalStateException("no ENV JAVA_OPTS=\"…\" in " + dockerfile);
        }
        return new ArrayList<>(Arrays.asList(options.group(1).trim().split("\\s+")));
    }

    /** VmRSS and VmHWM (the peak) of a process, in KiB, from /proc. */
    private static long[] residentKib(long pid) throws IOException {
        long rss = 0;
        long peak = 0;
        for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status"))) {
            if (line.startsWith("VmRSS:")) {
                rss = Long.parseLong(line.replaceAll("\\D", ""));
            } else if (line.startsWith("VmHWM:")) {
                peak = Long.parseLong(line.replaceAll("\\D", ""));
            }
        }
        return new long[] {rss, peak};
    }
}
