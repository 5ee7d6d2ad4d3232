package io.cachepatterns.testsupport;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A primary with two replicas watched by three sentinels (quorum 2), all {@code redis-server} processes on free
 * loopback ports. Sentinel promotes a replica about {@link #DOWN_AFTER} after the primary stops answering, plus an
 * election; clients ask the sentinels where the primary is ({@code client-type=sentinel}, {@code hosts} = the
 * sentinels, {@code master-name} = {@link #MASTER_NAME}).
 */
final class LocalRedisSentinel implements LocalRedisGroup {

    static final String MASTER_NAME = "mymaster";
    static final Duration DOWN_AFTER = Duration.ofSeconds(2);

    private final List<LocalRedis> servers;
    private final List<LocalRedis> sentinels;

    private LocalRedisSentinel(List<LocalRedis> servers, List<LocalRedis> sentinels) {
        this.servers = servers;
        this.sentinels = sentinels;
    }

    static LocalRedisSentinel start() {
        List<LocalRedis> servers = new ArrayList<>();
        List<LocalRedis> sentinels = new ArrayList<>();
        try {
            LocalRedis primary = LocalRedis.start(LocalServers.freePort(), false);
            servers.add(primary);
            for (int i = 0; i < 2; i++) {
                servers.add(LocalRedis.start(LocalServers.freePort(), false,
                        List.of("--replicaof", "127.0.0.1", String.valueOf(primary.port()))));
            }
            for (int i = 0; i < 3; i++) {
                sentinels.add(LocalRedis.startSentinel(LocalServers.freePort(), MASTER_NAME, primary.port(), 2,
                        DOWN_AFTER));
            }
            LocalRedisSentinel set = new LocalRedisSentinel(servers, sentinels);
            set.awaitHealthy();
            return set;
        } catch (RuntimeException e) {
            servers.forEach(LocalRedis::close);
            sentinels.forEach(LocalRedis::close);
            throw e;
        }
    }

    /** The primary's URL, as the sentinels name it now. */
    @Override
    public String url() {
        return "redis://" + primaryAddress();
    }

    /** The sentinels, for {@code quarkus.redis.hosts} with {@code client-type=sentinel}. */
    @Override
    public String hosts() {
        return sentinels.stream().map(LocalRedis::url).collect(Collectors.joining(","));
    }

    @Override
    public String clientType() {
        return "sentinel";
    }

    private String primaryAddress() {
        for (LocalRedis sentinel : sentinels) {
            try (RedisCli cli = RedisCli.connect(sentinel.url())) {
                List<?> address = (List<?>) cli.call("SENTINEL", "GET-MASTER-ADDR-BY-NAME", MASTER_NAME);
                if (address != null) {
                    return address.get(0) + ":" + address.get(1);
                }
            } catch (RuntimeException tryTheNext) {
                // a sentinel that is down or does not know yet
            }
        }
        throw new IllegalStateException("no sentinel names a primary for " + MASTER_NAME);
    }

    private LocalRedis primary() {
        String address = primaryAddress();
        return servers.stream().filter(server -> address.endsWith(":" + server.port())).findFirst()
                .orElseThrow(() -> new IllegalStateException("the primary " + address + " is none of ours"));
    }

    /** Every sentinel agrees on the primary, which answers as one, and sees both replicas. */
    @Override
    public void awaitHealthy() {
        Processes.waitUntil(Duration.ofSeconds(60), this::healthy, () -> "the Sentinel set-up did not settle");
    }

    private boolean healthy() {
        try {
            String address = primaryAddress();
            try (RedisCli primary = RedisCli.connect("redis://" + address)) {
                String replication = String.valueOf(primary.call("INFO", "replication"));
                if (!replication.contains("role:master") || !replication.contains("connected_slaves:2")) {
                    return false;
                }
            }
            for (LocalRedis sentinel : sentinels) {
                try (RedisCli cli = RedisCli.connect(sentinel.url())) {
                    List<?> named = (List<?>) cli.call("SENTINEL", "GET-MASTER-ADDR-BY-NAME", MASTER_NAME);
                    if (named == null || !address.equals(named.get(0) + ":" + named.get(1))) {
                        return false;
                    }
                    List<?> replicas = (List<?>) cli.call("SENTINEL", "REPLICAS", MASTER_NAME);
                    if (replicas.size() < 2) {
                        return false;
                    }
                }
            }
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    /**
     * {@code kill -9} of the primary; the sentinels promote a replica. Answers what brings the killed server back
     * (the sentinels then make it a replica of the new primary).
     */
    @Override
    public Runnable killPrimaryOf(String key) {
        LocalRedis primary = primary();
        primary.kill();
        return primary::restart;
    }

    /** The primary and its replicas; faults leave the sentinels alone. */
    @Override
    public List<LocalRedis> servers() {
        return servers;
    }

    @Override
    public void close() {
        sentinels.forEach(LocalRedis::close);
        servers.forEach(LocalRedis::close);
    }

    @Override
    public String description() {
        return "a primary, 2 replicas and 3 sentinels, " + servers.get(0).description();
    }
}
