package io.cachepatterns.testsupport;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.HashMap;
import java.util.Map;

/**
 * Gives a {@code @QuarkusTest} a real Redis and a real PostgreSQL (see {@link Servers} for where they come from) and
 * points the application's configuration at them. Dev Services are switched off: the servers are here already.
 *
 * <p>Arguments: {@code database} (default {@code cachepatterns}), created if missing; {@code none} for a service
 * without a database (Redis only).
 */
public class RealServersResource implements QuarkusTestResourceLifecycleManager {

    private String database = "cachepatterns";

    @Override
    public void init(Map<String, String> initArgs) {
        database = initArgs.getOrDefault("database", database);
    }

    @Override
    public Map<String, String> start() {
        Servers servers = TestServers.get();
        Map<String, String> config = new HashMap<>();
        config.put("quarkus.devservices.enabled", "false");
        config.put("quarkus.redis.client-type", servers.redisClientType());
        config.put("quarkus.redis.hosts", servers.redisHosts());
        // Sessions are checked against a stand-in of profile-service (profile-service itself reads its database).
        config.put("auth.profile-url", StandInProfiles.get().url());
        if (database.equals("none")) {
            return config;
        }
        servers.createDatabase(database);
        PostgresAddress postgres = servers.postgres();
        config.put("quarkus.datasource.reactive.url", postgres.reactiveUrl(database));
        config.put("quarkus.datasource.jdbc.url", postgres.jdbcUrl(database));
        config.put("quarkus.datasource.username", postgres.user());
        config.put("quarkus.datasource.password", postgres.password());
        return config;
    }

    @Override
    public void stop() {
        // The servers outlive one application start; TestServers stops them when the JVM exits.
    }
}
