package io.cachepatterns.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;

/**
 * Redis and PostgreSQL as server processes on this machine, on free loopback ports: one Redis, or with
 * {@code TEST_REDIS_MODE=cluster} a Redis Cluster ({@link LocalRedisCluster}), with {@code TEST_REDIS_MODE=sentinel}
 * a primary and replicas under Sentinel ({@link LocalRedisSentinel}); every test that takes its servers from
 * {@link Servers#start()} then runs against that.
 */
final class LocalServers implements Servers {

    private final LocalRedisProcesses redis;
    private final LocalPostgres postgres;

    private LocalServers(LocalRedisProcesses redis, LocalPostgres postgres) {
        this.redis = redis;
        this.postgres = postgres;
    }

    static LocalServers start() {
        return start(false);
    }

    static LocalServers start(boolean persistentRedis) {
        return start(LocalRedis.start(freePort(), persistentRedis));
    }

    static LocalServers startCluster() {
        return start(LocalRedisCluster.start());
    }

    static LocalServers startSentinel() {
        return start(LocalRedisSentinel.start());
    }

    private static LocalServers start(LocalRedisProcesses redis) {
        try {
            return new LocalServers(redis, LocalPostgres.start(freePort()));
        } catch (RuntimeException e) {
            redis.close();
            throw e;
        }
    }

    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public String redisUrl() {
        return redis.url();
    }

    @Override
    public String redisClientType() {
        return redis.clientType();
    }

    @Override
    public String redisHosts() {
        return redis.hosts();
    }

    @Override
    public PostgresAddress postgres() {
        return postgres.address();
    }

    @Override
    public void stopRedis() {
        redis.stop();
    }

    @Override
    public void startRedis() {
        redis.restart();
    }

    @Override
    public void killRedis() {
        redis.kill();
    }

    @Override
    public Runnable killRedisPrimaryOf(String key) {
        return redis.killPrimaryOf(key);
    }

    @Override
    public void wipeRedis() {
        redis.wipe();
    }

    @Override
    public void stopPostgres() {
        postgres.stop();
    }

    @Override
    public void startPostgres() {
        postgres.start();
    }

    @Override
    public void freezeRedis() {
        redis.signal("STOP");
    }

    @Override
    public void thawRedis() {
        redis.signal("CONT");
    }

    @Override
    public boolean canStopRedis() {
        return true;
    }

    @Override
    public void createDatabase(String name) {
        postgres.address().createDatabase(name);
    }

    @Override
    public String description() {
        return "local processes: " + redis.description() + " at " + redisHosts() + ", " + postgres.description();
    }

    @Override
    public void close() {
        try {
            redis.close();
        } finally {
            postgres.close();
        }
    }
}
