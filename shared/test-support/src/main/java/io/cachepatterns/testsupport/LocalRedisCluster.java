package io.cachepatterns.testsupport;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A real Redis Cluster on this machine: three primaries and three replicas, {@code redis-server} processes on free
 * loopback ports (Debian's where installed, else the embedded binary: {@link LocalRedis}), joined with the cluster's
 * own commands. A node that dies is replaced by its replica after about twice the node timeout (2 s here) plus an
 * election.
 */
final class LocalRedisCluster implements LocalRedisGroup {

    static final Duration NODE_TIMEOUT = Duration.ofSeconds(2);
    private static final int NODES = 6;
    private static final int SLOTS = 16384;

    private final List<LocalRedis> nodes;

    private LocalRedisCluster(List<LocalRedis> nodes) {
        this.nodes = nodes;
    }

    static LocalRedisCluster start() {
        List<LocalRedis> nodes = new ArrayList<>();
        try {
            for (int i = 0; i < NODES; i++) {
                nodes.add(LocalRedis.start(LocalServers.freePort(), false, List.of("--cluster-enabled", "yes",
                        "--cluster-config-file", "nodes.conf",
                        "--cluster-node-timeout", String.valueOf(NODE_TIMEOUT.toMillis()))));
            }
            join(nodes);
            LocalRedisCluster cluster = new LocalRedisCluster(nodes);
            cluster.awaitHealthy();
            return cluster;
        } catch (RuntimeException e) {
            nodes.forEach(LocalRedis::close);
            throw e;
        }
    }

    /**
     * What {@code redis-cli --cluster create ... --cluster-replicas 1} does, with the cluster's own commands (so
     * that neither {@code redis-cli} nor Redis 7 is needed): every node meets the first, the first half of the
     * nodes share the slots in equal ranges, and each node of the second half replicates one of them.
     */
    private static void join(List<LocalRedis> nodes) {
        int primaries = nodes.size() / 2;
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < nodes.size(); i++) {
            try (RedisCli node = RedisCli.connect(nodes.get(i).url())) {
                ids.add(String.valueOf(node.call("CLUSTER", "MYID")));
                node.call("CLUSTER", "SET-CONFIG-EPOCH", String.valueOf(i + 1));
                if (i > 0) {
                    node.call("CLUSTER", "MEET", "127.0.0.1", String.valueOf(nodes.get(0).port()));
                }
                if (i < primaries) {
                    List<Object> addSlots = new ArrayList<>(List.of("CLUSTER", "ADDSLOTS"));
                    for (int slot = SLOTS * i / primaries; slot < SLOTS * (i + 1) / primaries; slot++) {
                        addSlots.add(String.valueOf(slot));
                    }
                    node.call(addSlots.toArray());
                }
            }
        }
        Processes.waitUntil(Duration.ofSeconds(30), () -> everyNodeKnows(nodes, ids),
                () -> "the Redis Cluster's nodes did not all meet");
        for (int i = primaries; i < nodes.size(); i++) {
            try (RedisCli replica = RedisCli.connect(nodes.get(i).url())) {
                replica.call("CLUSTER", "REPLICATE", ids.get(i - primaries));
            }
        }
    }

    private static boolean everyNodeKnows(List<LocalRedis> nodes, List<String> ids) {
        for (LocalRedis node : nodes) {
            try (RedisCli cli = RedisCli.connect(node.url())) {
                String known = String.valueOf(cli.call("CLUSTER", "NODES"));
                if (!ids.stream().allMatch(known::contains) || known.contains("handshake")) {
                    return false;
                }
            } catch (RuntimeException e) {
                return false;
            }
        }
        return true;
    }

    /** Every node's URL, for {@code quarkus.redis.hosts} with {@code client-type=cluster}. */
    @Override
    public String hosts() {
        return nodes.stream().map(LocalRedis::url).collect(Collectors.joining(","));
    }

    @Override
    public String url() {
        return nodes.get(0).url();
    }

    @Override
    public String clientType() {
        return "cluster";
    }

    /**
     * Every slot served, every node agreeing on it, and every primary's replica in sync (after a restart a replica
     * resyncs in full, and until then acknowledges nothing a {@code WAIT} asks for).
     */
    @Override
    public void awaitHealthy() {
        Processes.waitUntil(Duration.ofSeconds(30), this::healthy, () -> "the Redis Cluster did not become healthy");
    }

    private boolean healthy() {
        for (LocalRedis node : nodes) {
            try (RedisCli cli = RedisCli.connect(node.url())) {
                if (!String.valueOf(cli.call("CLUSTER", "INFO")).contains("cluster_state:ok")) {
                    return false;
                }
                String replication = String.valueOf(cli.call("INFO", "replication"));
                if (replication.contains("role:master") && !replication.contains("state=online")) {
                    return false;
                }
            } catch (RuntimeException e) {
                return false;
            }
        }
        return true;
    }

    /** The node that serves {@code key}'s slot now (a primary not marked failed), killed. */
    @Override
    public Runnable killPrimaryOf(String key) {
        LocalRedis primary = primaryOf(key);
        primary.kill();
        return primary::restart;
    }

    private LocalRedis primaryOf(String key) {
        for (LocalRedis node : nodes) {
            try (RedisCli cli = RedisCli.connect(node.url())) {
                long slot = cli.number("CLUSTER", "KEYSLOT", key);
                for (String line : String.valueOf(cli.call("CLUSTER", "NODES")).split("\n")) {
                    String[] fields = line.split(" ");
                    if (fields.length < 9 || !fields[2].contains("master") || fields[2].contains("fail")) {
                        continue;
                    }
                    for (int i = 8; i < fields.length; i++) {
                        String[] range = fields[i].split("-");
                        if (range[0].startsWith("[")) {
                            continue; // a slot being migrated
                        }
                        long from = Long.parseLong(range[0]);
                        long to = range.length > 1 ? Long.parseLong(range[1]) : from;
                        if (slot >= from && slot <= to) {
                            int port = Integer.parseInt(fields[1].split("@")[0].split(":")[1]);
                            return nodes.stream().filter(n -> n.port() == port).findFirst().orElseThrow();
                        }
                    }
                }
            } catch (RuntimeException tryTheNext) {
                // a node that is down
            }
        }
        throw new IllegalStateException("no live primary serves " + key);
    }

    /** Every node; after a restart each finds the cluster again from its {@code nodes.conf}. */
    @Override
    public List<LocalRedis> servers() {
        return nodes;
    }

    @Override
    public void close() {
        nodes.forEach(LocalRedis::close);
    }

    @Override
    public String description() {
        return "a Redis Cluster of " + nodes.size() + " nodes (3 primaries, 3 replicas), " + nodes.get(0).description();
    }
}
