package io.cachepatterns.testsupport;

/**
 * Redis as server processes of this machine, whatever their shape: one server ({@link LocalRedis}), a cluster
 * ({@link LocalRedisCluster}) or a primary with replicas under Sentinel ({@link LocalRedisSentinel}). What {@link LocalServers} needs to hand them out and to break them.
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

    /**
     * {@code kill -9} of the primary that holds {@code key} (the only one of a single server); answers what starts
     * it again. On a cluster or under Sentinel a replica takes over meanwhile, and the killed one comes back as a
     * replica.
     */
    Runnable killPrimaryOf(String key);

    String description();

    @Override
    void close();
}
