package io.cachepatterns.bench.report;

import io.cachepatterns.bench.HelperServer;
import io.cachepatterns.bench.naive.NaiveMetricsServer;
import io.cachepatterns.testsupport.FaultProxy;
import io.cachepatterns.testsupport.PostgresAddress;
import io.cachepatterns.testsupport.Servers;
import io.cachepatterns.testsupport.ServiceProcess;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * metrics-service and the naive write-behind, side by side for {@link WriteBehindRow}: both reach the metrics database
 * through one proxy (1 ms each way, and the outage is cut there), both can be killed and started again in place.
 */
final class WriteBehindTargets implements AutoCloseable {

    private static final int SERVICE_PORT = 18285;
    private static final int NAIVE_PORT = 18286;

    private final FaultProxy toDatabase;
    private final Servers servers;
    private final Path jar;
    private final Map<String, String> serviceEnvironment;
    private final List<String> naiveArguments;
    private final Path logs;
    private ServiceProcess service;
    private HelperServer naive;

    private WriteBehindTargets(FaultProxy toDatabase, Servers servers, Path jar, Map<String, String> environment,
                               List<String> naiveArguments, Path logs) {
        this.toDatabase = toDatabase;
        this.servers = servers;
        this.jar = jar;
        this.serviceEnvironment = environment;
        this.naiveArguments = naiveArguments;
        this.logs = logs;
    }

    static WriteBehindTargets start(Path root, Servers servers, PostgresAddress direct, Path logs) throws Exception {
        FaultProxy toDatabase = FaultProxy.start(direct.host(), direct.port());
        toDatabase.delay(Duration.ofMillis(1));
        PostgresAddress db = new PostgresAddress("127.0.0.1", toDatabase.port(), direct.user(), direct.password(),
                "metrics");
        Map<String, String> environment = new HashMap<>(ServiceProcess.environment(servers, db, "metrics",
                SERVICE_PORT));
        // A restarted instance takes over a killed one's unacknowledged log entries after this long (30 s by
        // default, for instances that may only be slow).
        environment.put("CACHE_COUNTERS_CLAIM_IDLE", "2s");
        WriteBehindTargets targets = new WriteBehindTargets(toDatabase, servers,
                root.resolve("metrics-service/target/quarkus-app/quarkus-run.jar"), Map.copyOf(environment),
                List.of(String.valueOf(NAIVE_PORT), servers.redisUrl(), db.reactiveUrl("metrics"), db.user(),
                        db.password()), logs);
        targets.startService();
        targets.startNaive();
        return targets;
    }

    WriteBehindRow.Target service() {
        return new WriteBehindRow.Target() {
            @Override
            public URI base() {
                return URI.create("http://127.0.0.1:" + SERVICE_PORT);
            }

            @Override
            public void crash() {
                service.kill();
            }

            @Override
            public void restart() throws Exception {
                startService();
            }
        };
    }

    WriteBehindRow.Target naive() {
        return new WriteBehindRow.Target() {
            @Override
            public URI base() {
                return URI.create("http://127.0.0.1:" + NAIVE_PORT);
            }

            @Override
            public void crash() throws Exception {
                naive.kill();
            }

            @Override
            public void restart() throws Exception {
                startNaive();
            }
        };
    }

    WriteBehindRow.Faults faults() {
        return new WriteBehindRow.Faults() {
            @Override
            public void killRedisKeepingAof() {
                servers.killRedis();
                servers.startRedis();
            }

            @Override
            public void killRedisLosingEverything() {
                servers.killRedis();
                servers.wipeRedis();
                servers.startRedis();
            }

            @Override
            public void cutDatabase() {
                toDatabase.refuse();
            }

            @Override
            public void restoreDatabase() {
                toDatabase.resume();
            }
        };
    }

    private void startService() throws Exception {
        service = ServiceProcess.start("metrics-report", jar, serviceEnvironment, List.of("-Xmx512m"), logs);
    }

    private void startNaive() throws Exception {
        naive = HelperServer.start("naive-write-behind", NaiveMetricsServer.class, NAIVE_PORT, naiveArguments,
                logs);
    }

    @Override
    public void close() throws Exception {
        service.close();
        naive.close();
        toDatabase.close();
    }
}
