package io.cachepatterns.testsupport;

import java.net.URI;
import java.util.HashMap;
import java.util.Map;

/**
 * {@link RealServersResource}, with the application's reactive pool reaching PostgreSQL through a {@link FaultProxy},
 * so that a test can stall or cut the database's connections (Flyway's start-up migration still goes direct).
 */
public class ProxiedDatabaseResource extends RealServersResource {

    private static volatile FaultProxy database;

    /** The proxy in front of PostgreSQL, once the application has started. */
    public static FaultProxy database() {
        return database;
    }

    @Override
    public Map<String, String> start() {
        Map<String, String> config = new HashMap<>(super.start());
        URI direct = URI.create(config.get("quarkus.datasource.jdbc.url").substring("jdbc:".length()));
        if (database == null) {
            database = FaultProxy.start(direct.getHost(), direct.getPort());
        }
        config.put("quarkus.datasource.reactive.url", "postgresql://127.0.0.1:" + database.port() + direct.getPath());
        return config;
    }
}
