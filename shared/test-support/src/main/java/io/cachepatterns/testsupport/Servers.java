package io.cachepatterns.testsupport;

/**
 * A real Redis and a real PostgreSQL, however they were obtained.
 *
 * <p>Three sources, tried in order by {@link #start()}: servers named by environment variables
 * ({@link ExternalServers}), containers where a Docker engine runs ({@link ContainerServers}), and server processes
 * started on this machine ({@link LocalServers}), which need nothing but a JDK.
 */
public interface Servers extends AutoCloseable {

    /** {@code redis://host:port}. */
    String redisUrl();

    PostgresAddress postgres();

    /** {@code quarkus.redis.client-type} ({@code REDIS_CLIENT_TYPE}): {@code standalone}, {@code cluster}, {@code sentinel}. */
    default String redisClientType() {
        return "standalone";
    }

    /** {@code quarkus.redis.hosts} ({@code REDIS_HOSTS}): {@link #redisUrl()}, every node of a cluster, or the sentinels. */
    default String redisHosts() {
        return redisUrl();
    }

    /** Makes Redis unreachable, as a crash would, keeping its address so that clients can reconnect later. */
    void stopRedis();

    /** Brings Redis back at the same address after {@link #stopRedis()}. */
    void startRedis();

    /** Whether {@link #stopRedis()} and {@link #freezeRedis()} are possible: not for servers someone else runs. */
    boolean canStopRedis();

    /**
     * Makes Redis hang: connections stay open but nothing is answered, as with a stuck server or a network
     * partition. Unlike {@link #stopRedis()}, clients see no error; only their timeouts save them.
     */
    void freezeRedis();

    /** Ends {@link #freezeRedis()}: Redis answers again, with its data intact. */
    void thawRedis();

    /** {@code kill -9} of Redis: nothing more reaches its append-only file. {@link #startRedis()} brings it back. */
    default void killRedis() {
        throw new UnsupportedOperationException("Redis is not this process's to kill: " + description());
    }

    /**
     * {@code kill -9} of the Redis primary that holds {@code key}; answers what starts it again. On a cluster or
     * under Sentinel a replica is promoted meanwhile.
     */
    default Runnable killRedisPrimaryOf(String key) {
        throw new UnsupportedOperationException("Redis is not this process's to kill: " + description());
    }

    /** Deletes what a stopped Redis persisted, so that {@link #startRedis()} starts it empty. */
    default void wipeRedis() {
        throw new UnsupportedOperationException("Redis is not this process's to wipe: " + description());
    }

    /** A fast shutdown of PostgreSQL; {@link #startPostgres()} starts it again on the same data. */
    default void stopPostgres() {
        throw new UnsupportedOperationException("PostgreSQL is not this process's to stop: " + description());
    }

    default void startPostgres() {
        throw new UnsupportedOperationException("PostgreSQL is not this process's to start: " + description());
    }

    /** Creates a database if it does not exist yet; the run command gives each service its own. */
    void createDatabase(String name);

    /**
     * A database for a service, owned by its own role that may do nothing else (no superuser at run time), as in the
     * deployments; where the database exists already, the server's own credentials.
     */
    default PostgresAddress createOwnedDatabase(String name) {
        return postgres().createOwnedDatabase(name);
    }

    /** One line for the logs: where the servers came from. */
    String description();

    @Override
    void close();

    /**
     * Redis and PostgreSQL as processes of this machine, which every fault above can be done to; Redis persisted as
     * deployed (AOF, {@code everysec}) if {@code persistentRedis}. For the fault-injection suite.
     */
    static Servers startProcesses(boolean persistentRedis) {
        return LocalServers.start(persistentRedis);
    }

    /**
     * Local processes of the Redis shape {@code mode} names ({@code standalone}, {@code cluster}, {@code sentinel}),
     * and a local PostgreSQL.
     */
    static Servers startProcesses(String mode) {
        return switch (mode) {
            case "cluster" -> LocalServers.startCluster();
            case "sentinel" -> LocalServers.startSentinel();
            case "standalone" -> LocalServers.start();
            default -> throw new IllegalArgumentException("TEST_REDIS_MODE is standalone, cluster or sentinel, not "
                    + mode);
        };
    }

    /**
     * {@code TEST_REDIS_MODE=cluster|sentinel}: a local Redis Cluster, or a primary with replicas under Sentinel (and
     * a local PostgreSQL), whatever else is configured.
     */
    static Servers start() {
        String mode = System.getenv("TEST_REDIS_MODE");
        if (mode != null && !mode.isBlank() && !"standalone".equals(mode)) {
            return startProcesses(mode);
        }
        if (ExternalServers.configured()) {
            return ExternalServers.fromEnvironment();
        }
        if (ContainerServers.dockerAvailable()) {
            return ContainerServers.start();
        }
        return LocalServers.start();
    }
}
