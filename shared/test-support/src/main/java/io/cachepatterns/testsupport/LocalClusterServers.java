package io.cachepatterns.testsupport;

/**
 * A local Redis Cluster ({@link LocalRedisCluster}) and a local PostgreSQL: the servers of {@code TEST_REDIS_MODE=
 * cluster}, under which every test that takes its servers from {@link Servers#start()} runs against the cluster.
 */
final class LocalClusterServers implements Servers {

    private final LocalRedisCluster cluster;
    private final LocalPostgres postgres;

    private LocalClusterServers(LocalRedisCluster cluster, LocalPostgres postgres) {
        this.cluster = cluster;
        this.postgres = postgres;
    }

    static LocalClusterServers start() {
        LocalRedisCluster cluster = LocalRedisCluster.start();
        try {
            return new LocalClusterServers(cluster, LocalPostgres.start(LocalServers.freePort()));
        } catch (RuntimeException e) {
            cluster.close();
            throw e;
        }
    }

    /** One node: enough for a plain client that follows {@code MOVED} ({@link RedisCli}). */
    @Override
    public String redisUrl() {
        return cluster.firstUrl();
    }

    @Override
    public String redisClientType() {
        return "cluster";
    }

    @Override
    public String redisHosts() {
        return cluster.hosts();
    }

    @Override
    public PostgresAddress postgres() {
        return postgres.address();
    }

    /** Every node at once, as a whole cluster lost. */
    @Override
    public void stopRedis() {
        cluster.stop();
    }

    @Override
    public void startRedis() {
        cluster.restart();
    }

    @Override
    public boolean canStopRedis() {
        return true;
    }

    @Override
    public void freezeRedis() {
        cluster.signal("STOP");
    }

    @Override
    public void thawRedis() {
        cluster.signal("CONT");
    }

    @Override
    public void createDatabase(String name) {
        postgres.address().createDatabase(name);
    }

    @Override
    public String description() {
        return "local processes: " + cluster.description() + " at " + redisHosts() + ", " + postgres.description();
    }

    @Override
    public void close() {
        try {
            cluster.close();
        } finally {
            postgres.close();
        }
    }
}
