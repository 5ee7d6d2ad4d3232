package io.cachepatterns.testsupport;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * The run command: Redis, PostgreSQL (a database per service) and every service on this machine, with the same
 * environment contract as compose and Kubernetes. Stops all of it on Ctrl-C or SIGTERM.
 *
 * <p>Arguments: the repository's root directory. Services are started from their packaged jars, so build first.
 */
public final class LocalStack {

    /** Database, module and port of each service that exists so far. */
    private static final List<Service> SERVICES = List.of(
            new Service("catalog", "catalog-service", 8081),
            new Service("profile", "profile-service", 8082),
            new Service("metrics", "metrics-service", 8083));

    /** Only for this machine's throwaway stack; deployments set their own ADMIN_TOKEN. */
    private static final String LOCAL_ADMIN_TOKEN = "local-admin-token";

    private record Service(String database, String module, int port) {
    }

    private LocalStack() {
    }

    public static void main(String[] args) throws InterruptedException {
        Path root = Path.of(args.length > 0 ? args[0] : ".").toAbsolutePath().normalize();
        Path logs = root.resolve("target/run-local");
        Servers servers = Servers.start();
        List<ServiceProcess> started = new ArrayList<>();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("stopping…");
            started.forEach(ServiceProcess::close);
            servers.close();
            stopped.countDown();
        }, "local-stack-stop"));

        System.out.println("servers: " + servers.description());
        for (Service service : SERVICES) {
            servers.createDatabase(service.database());
            Path jar = root.resolve(service.module()).resolve("target/quarkus-app/quarkus-run.jar");
            var environment = new java.util.HashMap<>(
                    ServiceProcess.environment(servers, service.database(), service.port()));
            environment.put("ADMIN_TOKEN", LOCAL_ADMIN_TOKEN);
            started.add(ServiceProcess.start(service.module(), jar, environment, List.of(), logs));
        }

        System.out.println();
        for (ServiceProcess service : started) {
            System.out.printf("%-16s http://localhost:%d   swagger-ui: http://localhost:%d/q/swagger-ui%n",
                    service.name(), service.port(), service.port());
        }
        System.out.println("admin token for PUT /flags/{name}: " + LOCAL_ADMIN_TOKEN);
        System.out.println("logs in " + logs + "; Ctrl-C stops everything.");
        stopped.await();
    }
}
