package io.cachepatterns.bench.report;

import io.cachepatterns.bench.HelperServer;
import io.cachepatterns.bench.naive.NaiveWriteThroughServer;
import io.cachepatterns.testsupport.FaultProxy;
import io.cachepatterns.testsupport.PostgresAddress;
import io.cachepatterns.testsupport.Servers;
import io.cachepatterns.testsupport.ServiceProcess;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * profile-service and the naive write-through, side by side for {@link WriteThroughRow}, each as two instances: one
 * 1 ms from the profile database, one 10 ms; profiles are registered through the service (a password hash, a session
 * for the owner) for both.
 */
final class WriteThroughTargets implements AutoCloseable {

    private static final int SERVICE_PORT = 18290;
    private static final int NAIVE_PORT = 18291;
    private static final int SERVICE_FAR_PORT = 18292;
    private static final int NAIVE_FAR_PORT = 18293;
    private static final Pattern ID = Pattern.compile("\"id\":(\\d+)");
    private static final Pattern TOKEN = Pattern.compile("\"token\":\"([^\"]+)\"");

    private final List<AutoCloseable> running;

    private WriteThroughTargets(List<AutoCloseable> running) {
        this.running = running;
    }

    static WriteThroughTargets start(Path root, Servers servers, PostgresAddress direct, Path logs) throws Exception {
        List<AutoCloseable> running = new ArrayList<>();
        try {
            FaultProxy toDatabase = FaultProxy.start(direct.host(), direct.port());
            toDatabase.delay(Duration.ofMillis(1));
            running.add(toDatabase);
            PostgresAddress db = new PostgresAddress("127.0.0.1", toDatabase.port(), direct.user(), direct.password(),
                    "profile");
            // A second instance of each, 10 ms from the database: its writes answer later than a near instance's,
            // so a near write that commits after a far one can set its value first.
            FaultProxy farFromDatabase = FaultProxy.start(direct.host(), direct.port());
            farFromDatabase.delay(Duration.ofMillis(10));
            running.add(farFromDatabase);
            PostgresAddress farDb = new PostgresAddress("127.0.0.1", farFromDatabase.port(), direct.user(),
                    direct.password(), "profile");
            Path jar = root.resolve("profile-service/target/quarkus-app/quarkus-run.jar");
            running.addAll(StartedTogether.start(List.of(
                    () -> ServiceProcess.start("profile-report", jar,
                            ServiceProcess.environment(servers, db, "profile", SERVICE_PORT), List.of("-Xmx512m"),
                            logs),
                    () -> ServiceProcess.start("profile-report-far", jar,
                            ServiceProcess.environment(servers, farDb, "profile", SERVICE_FAR_PORT),
                            List.of("-Xmx512m"), logs),
                    () -> startNaive("naive-write-through", NAIVE_PORT, servers, db, logs),
                    () -> startNaive("naive-write-through-far", NAIVE_FAR_PORT, servers, farDb, logs))));
            return new WriteThroughTargets(running);
        } catch (Exception e) {
            for (int i = running.size() - 1; i >= 0; i--) {
                running.get(i).close();
            }
            throw e;
        }
    }

    private static HelperServer startNaive(String name, int port, Servers servers, PostgresAddress db, Path logs)
            throws Exception {
        return HelperServer.start(name, NaiveWriteThroughServer.class, port, List.of(String.valueOf(port),
                servers.redisUrl(), db.reactiveUrl("profile"), db.user(), db.password(), "600"), logs);
    }

    WriteThroughRow.Target service() {
        return new WriteThroughRow.Target(URI.create("http://127.0.0.1:" + SERVICE_PORT),
                URI.create("http://127.0.0.1:" + SERVICE_FAR_PORT), "profile:profiles:*");
    }

    WriteThroughRow.Target naive() {
        return new WriteThroughRow.Target(URI.create("http://127.0.0.1:" + NAIVE_PORT),
                URI.create("http://127.0.0.1:" + NAIVE_FAR_PORT), "naive:profiles:*");
    }

    /**
     * {@code count} profiles registered through the service; with {@code signedIn}, each with a session of its owner
     * (the service lets one address sign in 30 times a minute).
     */
    List<WriteThroughRow.Profile> register(String run, int count, boolean signedIn) {
        HttpProbe operator = new HttpProbe("Bearer " + ServiceProcess.LOCAL_ADMIN_TOKEN);
        URI base = service().base();
        List<WriteThroughRow.Profile> profiles = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String username = "report_" + run + "_" + i;
            String password = "report password " + run + " " + i;
            HttpProbe.Answer created = operator.post(base.resolve("/profiles"), "{\"username\":\"" + username
                    + "\",\"password\":\"" + password + "\",\"displayName\":\"initial\",\"email\":\"" + username
                    + "@example.org\",\"bio\":\"the report\"}");
            Matcher id = ID.matcher(created.body());
            if (created.status() != 201 || !id.find()) {
                throw new IllegalStateException("cannot register: " + created.status() + " " + created.body());
            }
            String bearer = "none";
            if (signedIn) {
                HttpProbe.Answer session = operator.post(base.resolve("/sessions"), "{\"username\":\"" + username
                        + "\",\"password\":\"" + password + "\"}");
                Matcher token = TOKEN.matcher(session.body());
                if (session.status() != 201 || !token.find()) {
                    throw new IllegalStateException("cannot sign in: " + session.status() + " " + session.body());
                }
                bearer = "Bearer " + token.group(1);
            }
            profiles.add(new WriteThroughRow.Profile(Long.parseLong(id.group(1)), bearer));
        }
        return profiles;
    }

    @Override
    public void close() throws Exception {
        for (int i = running.size() - 1; i >= 0; i--) {
            running.get(i).close();
        }
    }
}
