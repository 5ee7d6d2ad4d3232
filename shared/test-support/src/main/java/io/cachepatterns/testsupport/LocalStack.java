package io.cachepatterns.testsupport;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.function.ToIntFunction;

/**
 * The whole system on this machine: every service from its packaged jar, over one Redis and one PostgreSQL (a
 * database per service), configured through the same environment contract as compose and Kubernetes
 * ({@code REDIS_URL}, {@code DB_*}, {@code QUARKUS_HTTP_PORT}, {@code CATALOG_URL}, {@code METRICS_URL},
 * {@code ADMIN_TOKEN}). The run command's {@link #main} and the end-to-end test both start it here.
 */
public final class LocalStack implements AutoCloseable {

    /** A service: its module, its database ({@code null}: none of its own) and its default port. */
    public record Service(String name, String module, String database, int port) {
    }

    /** In start order: feed-service calls catalog-service and metrics-service. */
    public static final List<Service> SERVICES = List.of(
            new Service("catalog", "catalog-service", "catalog", 8081),
            new Service("profile", "profile-service", "profile", 8082),
            new Service("metrics", "metrics-service", "metrics", 8083),
            new Service("feed", "feed-service", null, 8084));

    /** The operator's token of this stack: made up per run (deployments set their own ADMIN_TOKEN). */
    public static final String LOCAL_ADMIN_TOKEN = ServiceProcess.LOCAL_ADMIN_TOKEN;

    private final Map<String, ServiceProcess> running;

    private LocalStack(Map<String, ServiceProcess> running) {
        this.running = running;
    }

    /**
     * Starts every service over {@code servers}, each on the port {@code portOf} gives, and waits until each is
     * ready. {@code root} is the repository's root; the jars must be built.
     */
    public static LocalStack start(Path root, Servers servers, Path logs, ToIntFunction<Service> portOf) {
        return start(root, servers, logs, portOf, Map.of());
    }

    /** As above, with {@code extra} added to every service's environment (shorter TTLs for a test, say). */
    public static LocalStack start(Path root, Servers servers, Path logs, ToIntFunction<Service> portOf,
                                   Map<String, String> extra) {
        return start(root, servers, logs, portOf, extra, List.of("-Xmx256m"));
    }

    /** As above, each service's JVM started with {@code jvmArgs} (the image's, for a memory benchmark). */
    public static LocalStack start(Path root, Servers servers, Path logs, ToIntFunction<Service> portOf,
                                   Map<String, String> extra, List<String> jvmArgs) {
        Map<String, Integer> ports = new HashMap<>();
        SERVICES.forEach(service -> ports.put(service.name(), portOf.applyAsInt(service)));
        Map<String, ServiceProcess> running = new LinkedHashMap<>();
        try {
            for (Service service : SERVICES) {
                int port = ports.get(service.name());
                Map<String, String> environment = new HashMap<>();
                if (service.database() != null) {
                    // Each service logs in as its own role, owner of its database only, as deployed.
                    PostgresAddress own = servers.createOwnedDatabase(service.database());
                    environment.putAll(ServiceProcess.environment(servers, own, service.database(), port));
                } else {
                    environment.putAll(ServiceProcess.environment(servers, port));
                }
                environment.put("CATALOG_URL", "http://127.0.0.1:" + ports.get("catalog"));
                environment.put("METRICS_URL", "http://127.0.0.1:" + ports.get("metrics"));
                environment.put("PROFILE_URL", "http://127.0.0.1:" + ports.get("profile"));
                environment.putAll(extra);
                Path jar = root.resolve(service.module()).resolve("target/quarkus-app/quarkus-run.jar");
                running.put(service.name(), ServiceProcess.start(service.module(), jar, environment, jvmArgs,
                        logs));
            }
        } catch (RuntimeException e) {
            running.values().forEach(ServiceProcess::close);
            throw e;
        }
        return new LocalStack(running);
    }

    public ServiceProcess service(String name) {
        return running.get(name);
    }

    public List<ServiceProcess> services() {
        return List.copyOf(running.values());
    }

    /** Stops every service at once. */
    @Override
    public void close() {
        ServiceProcess.stopAll(running.values());
    }

    /** The run command. Arguments: the repository's root directory. */
    public static void main(String[] args) throws InterruptedException {
        Path root = Path.of(args.length > 0 ? args[0] : ".").toAbsolutePath().normalize();
        Path logs = root.resolve("target/run-local");
        Servers servers = Servers.start();
        List<AutoCloseable> toStop = new ArrayList<>();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("stopping…");
            for (AutoCloseable closeable : toStop) {
                try {
                    closeable.close();
                } catch (Exception e) {
                    System.err.println("stopping: " + e);
                }
            }
            servers.close();
            stopped.countDown();
        }, "local-stack-stop"));

        System.out.println("servers: " + servers.description());
        Map<String, String> extra = new HashMap<>();
        String ratesNote;
        if (System.getenv("RATES_URL") == null) {
            // No internet needed: exchange rates from a local stand-in, clearly labelled as demo data.
            StandInServer rates = DemoRates.start();
            toStop.add(rates);
            extra.put("RATES_URL", rates.url());
            ratesNote = "DEMO DATA from a local stand-in at " + rates.url() + " (set RATES_URL for real rates)";
        } else {
            ratesNote = System.getenv("RATES_URL");
        }
        LocalStack stack = start(root, servers, logs, Service::port, extra);
        toStop.add(0, stack);
        SeedData.Editor editor = SeedData.load(stack);

        System.out.println();
        for (ServiceProcess service : stack.services()) {
            System.out.printf("%-16s http://localhost:%d   swagger-ui: http://localhost:%d/q/swagger-ui%n",
                    service.name(), service.port(), service.port());
        }
        System.out.println("seed data: " + SeedData.SUMMARY);
        System.out.println("an editor (may change products): username " + editor.username() + ", password "
                + editor.password() + "  →  POST http://localhost:8082/sessions {\"username\":…,\"password\":…}"
                + ", then Authorization: Bearer <token>");
        System.out.println("admin token, made up for this run (flags, dead letters, roles: PUT /profiles/{id}/roles): "
                + LOCAL_ADMIN_TOKEN);
        System.out.println("exchange rates: " + ratesNote);
        System.out.println("logs in " + logs + "; Ctrl-C stops everything.");
        stopped.await();
    }
}
