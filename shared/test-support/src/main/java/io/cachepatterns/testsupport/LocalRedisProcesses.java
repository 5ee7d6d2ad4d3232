package io.cachepatterns.testsupport;

/**
 * Redis as server processes of this machine, whatever their shape: one server ({@link LocalRedis}) or a cluster
 * ({@link LocalRedisCluster}). What {@link LocalServers} needs to hand them out and to break them.
 */
interface LocalRedisProcesses extends AutoCloseable {

    /** One node's URL: enough for a client that follows {@code MOVED} ({@link RedisCli}). */
    String url();

    /** {@code quarkus.redis.client-type}. */
    String clientType();

    /** {@code quarkus.redis.hosts}: {@link #url()}, or every node of a cluster. */
    String hosts();

    void stop();

    void restart();

    void kill();

    void wipe();

    void signal(String signal);

    String description();

    @Override
    void close();
}
