package io.cachepatterns.testsupport;

import java.util.Optional;

/**
 * Servers that someone else runs, named by {@code TEST_REDIS_URL} and {@code TEST_DB_HOST} (with
 * {@code TEST_DB_PORT}, {@code TEST_DB_USER}, {@code TEST_DB_PASSWORD}, {@code TEST_DB_NAME}).
 *
 * <p>Test-only names on purpose: a shell that exports the application's own {@code REDIS_URL} must never send tests
 * to that server.
 */
final class ExternalServers implements Servers {

    private final String redisUrl;
    private final PostgresAddress postgres;

    private ExternalServers(String redisUrl, PostgresAddress postgres) {
        this.redisUrl = redisUrl;
        this.postgres = postgres;
    }

    static boolean configured() {
        return env("TEST_REDIS_URL").isPresent() && env("TEST_DB_HOST").isPresent();
    }

    static ExternalServers fromEnvironment() {
        PostgresAddress postgres = new PostgresAddress(
                env("TEST_DB_HOST").orElseThrow(),
                Integer.parseInt(env("TEST_DB_PORT").orElse("5432")),
                env("TEST_DB_USER").orElse("postgres"),
                env("TEST_DB_PASSWORD").orElse("postgres"),
                env("TEST_DB_NAME").orElse("postgres"));
        return new ExternalServers(env("TEST_REDIS_URL").orElseThrow(), postgres);
    }

    private static Optional<String> env(String name) {
        return Optional.ofNullable(System.getenv(name)).filter(value -> !value.isBlank());
    }

    @Override
    public String redisUrl() {
        return redisUrl;
    }

    @Override
    public PostgresAddress postgres() {
        return postgres;
    }

    @Override
    public void stopRedis() {
        throw new UnsupportedOperationException("Redis at " + redisUrl + " is not ours to stop");
    }

    @Override
    public void startRedis() {
        throw new UnsupportedOperationException("Redis at " + redisUrl + " is not ours to start");
    }

    @Override
    public void freezeRedis() {
        throw new UnsupportedOperationException("Redis at " + redisUrl + " is not ours to freeze");
    }

    @Override
    public void thawRedis() {
        throw new UnsupportedOperationException("Redis at " + redisUrl + " is not ours to thaw");
    }

    @Override
    public boolean canStopRedis() {
        return false;
    }

    @Override
    public void createDatabase(String name) {
        postgres.createDatabase(name);
    }

    @Override
    public String description() {
        return "servers from the environment: " + redisUrl + ", postgresql://" + postgres.host() + ":"
                + postgres.port();
    }

    @Override
    public void close() {
        // not ours
    }
}
