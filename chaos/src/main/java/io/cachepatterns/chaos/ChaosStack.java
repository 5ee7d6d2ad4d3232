package io.cachepatterns.chaos;

import io.cachepatterns.testsupport.FaultProxy;
import io.cachepatterns.testsupport.LocalStack;
import io.cachepatterns.testsupport.PostgresAddress;
import io.cachepatterns.testsupport.RedisCli;
import io.cachepatterns.testsupport.Servers;
import io.cachepatterns.testsupport.ServiceProcess;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The system as the fault suite runs it: two instances each of catalog-, profile- and metrics-service and one of
 * feed-service, every one from its packaged jar with the deployments' environment contract, over a Redis persisted
 * as deployed (AOF, {@code everysec}) and a PostgreSQL, both processes of this machine, and both reached only through
 * a {@link FaultProxy} so that their connections can be stalled and cut.
 */
final class ChaosStack implements AutoCloseable {

    /** A running instance; {@link #restart()} replaces its process with a new one on the same port. */
    static final class Instance {
        private final String service;
        private final String name;
        private final Path jar;
        private final Map<String, String> environment;
        private final Path logs;
        private volatile ServiceProcess process;
        private int restarts;

        private Instance(String service, String name, Path jar, Map<String, String> environment, Path logs) {
            this.service = service;
            this.name = name;
            this.jar = jar;
            this.environment = environment;
            this.logs = logs;
        }

        String service() {
            return service;
        }

        String name() {
            return name;
        }

        URI uri(String path) {
            return URI.create("http://127.0.0.1:" + environment.get("QUARKUS_HTTP_PORT") + path);
        }

        private void start() {
            String logName = restarts == 0 ? name : name + "-restart-" + restarts;
            process = ServiceProcess.start(logName, jar, environment, JVM_ARGS, logs);
        }

        /** {@code kill -9}: no shutdown hook, nothing finished. */
        void kill() {
            process.kill();
        }

        void restart() {
            restarts++;
            start();
        }

    }

    /**
     * The image's heap bound. The workload logs in from one address as many users as it likes, as a fleet of clients
     * would from many: the per-address and per-user login limits are lifted (they are not what is under test).
     */
    private static final List<String> JVM_ARGS = List.of("-Xmx256m",
            "-Drate-limit.login-per-address.capacity=1000000", "-Drate-limit.login-per-user.capacity=1000000");

    /** Two of each service that has state to get wrong between instances; feed-service reads them all. */
    private static final Map<String, Integer> INSTANCES = Map.of("catalog", 2, "profile", 2, "metrics", 2,
            "feed", 1);

    private final Servers servers;
    private final FaultProxy redisProxy;
    private final FaultProxy postgresProxy;
    private final Map<String, List<Instance>> instances;

    private ChaosStack(Servers servers, FaultProxy redisProxy, FaultProxy postgresProxy,
                       Map<String, List<Instance>> instances) {
        this.servers = servers;
        this.redisProxy = redisProxy;
        this.postgresProxy = postgresProxy;
        this.instances = instances;
    }

    static ChaosStack start(Path root, Path logs) {
        Servers servers = Servers.startProcesses(true);
        URI redis = URI.create(servers.redisUrl());
        FaultProxy redisProxy = FaultProxy.start(redis.getHost(), redis.getPort());
        FaultProxy postgresProxy = FaultProxy.start(servers.postgres().host(), servers.postgres().port());
        Map<String, List<Instance>> instances = new LinkedHashMap<>();
        ChaosStack stack = new ChaosStack(servers, redisProxy, postgresProxy, instances);
        try {
            Map<String, List<Integer>> ports = new HashMap<>();
            java.util.Set<Integer> taken = new java.util.HashSet<>();
            for (LocalStack.Service service : LocalStack.SERVICES) {
                List<Integer> servicePorts = new ArrayList<>();
                for (int i = 0; i < INSTANCES.get(service.name()); i++) {
                    // Every port is asked for before any instance binds one: the OS may hand out the same free port
                    // twice (seen in CI: two instances on one port, one of them answering the other's requests).
                    int port = ServiceProcess.freePort();
                    while (!taken.add(port)) {
                        port = ServiceProcess.freePort();
                    }
                    servicePorts.add(port);
                }
                ports.put(service.name(), servicePorts);
            }
            for (LocalStack.Service service : LocalStack.SERVICES) {
                PostgresAddress database = service.database() == null ? null
                        : throughProxy(servers.createOwnedDatabase(service.database()), postgresProxy);
                List<Instance> running = new ArrayList<>();
                instances.put(service.name(), running);
                for (int port : ports.get(service.name())) {
                    Map<String, String> environment = new HashMap<>(database == null
                            ? ServiceProcess.environment(servers, port)
                            : ServiceProcess.environment(servers, database, service.database(), port));
                    environment.put("REDIS_URL", "redis://127.0.0.1:" + redisProxy.port());
                    // The services call each other's first instance (a deployment puts a load balancer there).
                    environment.put("CATALOG_URL", "http://127.0.0.1:" + ports.get("catalog").get(0));
                    environment.put("METRICS_URL", "http://127.0.0.1:" + ports.get("metrics").get(0));
                    environment.put("PROFILE_URL", "http://127.0.0.1:" + ports.get("profile").get(0));
                    Instance instance = new Instance(service.name(), service.name() + "-" + running.size(),
                            root.resolve(service.module()).resolve("target/quarkus-app/quarkus-run.jar"),
                            environment, logs);
                    running.add(instance);
                    instance.start();
                }
            }
            return stack;
        } catch (RuntimeException e) {
            stack.close();
            throw e;
        }
    }

    private static PostgresAddress throughProxy(PostgresAddress address, FaultProxy proxy) {
        return new PostgresAddress("127.0.0.1", proxy.port(), address.user(), address.password(), address.database());
    }

    List<Instance> instances(String service) {
        return instances.get(service);
    }

    Servers servers() {
        return servers;
    }

    FaultProxy redisProxy() {
        return redisProxy;
    }

    FaultProxy postgresProxy() {
        return postgresProxy;
    }

    /** A command to Redis itself, past the proxy: what an operator would type. */
    Object redis(Object... command) {
        try (RedisCli cli = RedisCli.connect(servers.redisUrl())) {
            return cli.call(command);
        }
    }

    @Override
    public void close() {
        ServiceProcess.stopAll(instances.values().stream().flatMap(List::stream)
                .map(instance -> instance.process).filter(java.util.Objects::nonNull).toList());
        redisProxy.close();
        postgresProxy.close();
        servers.close();
    }
}
