package io.cachepatterns.chaos;

import java.util.List;
import java.util.Random;

/**
 * The faults the suite injects, each one as it happens in production: {@link #inject} starts it and answers what ends
 * it (for a kill, the restart). Between the two the workload goes on; the history records both moments, and the
 * checker judges every operation against the windows they make.
 */
enum Fault {

    /** {@code kill -STOP}: a stuck Redis (a long fork, a swapped-out host); connections open, nothing answered. */
    REDIS_PAUSED("Redis paused (SIGSTOP) and resumed", 4_000) {
        @Override
        Runnable inject(ChaosStack stack, Random random) {
            stack.servers().freezeRedis();
            return () -> stack.servers().thawRedis();
        }
    },

    /** A crash: the restart replays the append-only file, at most about a second of writes behind. */
    REDIS_KILLED("Redis killed (-9), restarted from its AOF", 2_000) {
        @Override
        Runnable inject(ChaosStack stack, Random random) {
            stack.servers().killRedis();
            return () -> stack.servers().startRedis();
        }
    },

    /** A node replaced by an empty one: everything Redis held is gone, the write-behind log with it. */
    REDIS_RESTARTED_EMPTY("Redis killed (-9), restarted empty", 2_000) {
        @Override
        Runnable inject(ChaosStack stack, Random random) {
            stack.servers().killRedis();
            stack.servers().wipeRedis();
            return () -> stack.servers().startRedis();
        }
    },

    /** An operator's {@code CLIENT KILL}, or a proxy in front of Redis restarting: every connection dropped. */
    REDIS_CLIENTS_KILLED("CLIENT KILL of every connection", 1_000) {
        @Override
        Runnable inject(ChaosStack stack, Random random) {
            stack.redis("CLIENT", "KILL", "TYPE", "normal");
            stack.redis("CLIENT", "KILL", "TYPE", "pubsub");
            return () -> { }; // nothing to undo: the clients reconnect on their own
        }
    },

    /** A network partition: Redis' connections go silent, new ones too, and then are cut. */
    REDIS_STALLED("connections to Redis stalled, then cut", 4_000) {
        @Override
        Runnable inject(ChaosStack stack, Random random) {
            stack.redisProxy().stall();
            return () -> {
                stack.redisProxy().cut();
                stack.redisProxy().resume();
            };
        }
    },

    /** Half-open connections: those open now go silent for good, new ones work. */
    REDIS_HALF_OPEN("connections to Redis half-open", 4_000) {
        @Override
        Runnable inject(ChaosStack stack, Random random) {
            stack.redisProxy().blackHoleExisting();
            return () -> stack.redisProxy().cut();
        }
    },

    /** Redis full: writes of keys without a TTL refused ({@code OOM}), cached values evicted. */
    REDIS_MEMORY_PRESSURE("Redis out of memory (maxmemory just above use, volatile-lru)", 5_000) {
        @Override
        Runnable inject(ChaosStack stack, Random random) {
            long used = Long.parseLong(infoField(String.valueOf(stack.redis("INFO", "memory")), "used_memory"));
            stack.redis("CONFIG", "SET", "maxmemory-policy", "volatile-lru");
            stack.redis("CONFIG", "SET", "maxmemory", String.valueOf(used + 64 * 1024));
            return () -> stack.redis("CONFIG", "SET", "maxmemory", "0");
        }
    },

    /** A network partition from the database: connections silent, then cut. */
    POSTGRES_STALLED("connections to PostgreSQL stalled, then cut", 4_000) {
        @Override
        Runnable inject(ChaosStack stack, Random random) {
            stack.postgresProxy().stall();
            return () -> {
                stack.postgresProxy().cut();
                stack.postgresProxy().resume();
            };
        }
    },

    /** A database restart or failover: refused connections until it is back, every commit kept. */
    POSTGRES_STOPPED("PostgreSQL stopped and started", 4_000) {
        @Override
        Runnable inject(ChaosStack stack, Random random) {
            stack.servers().stopPostgres();
            return () -> stack.servers().startPostgres();
        }
    },

    /** A pod's OOM kill or a node lost: no shutdown hook, nothing finished; then a new instance. */
    INSTANCE_KILLED("a service instance killed (-9) and restarted", 0) {
        @Override
        Runnable inject(ChaosStack stack, Random random) {
            List<String> services = List.of("catalog", "profile", "metrics");
            List<ChaosStack.Instance> instances = stack.instances(services.get(random.nextInt(services.size())));
            ChaosStack.Instance victim = instances.get(random.nextInt(instances.size()));
            victim.kill();
            return victim::restart;
        }
    },

    /** Clients that give up: requests sent, their connections closed before the answer. */
    CLIENTS_DISCONNECT("clients disconnect mid-request", 3_000) {
        @Override
        Runnable inject(ChaosStack stack, Random random) {
            return () -> { }; // the workload abandons requests while this window is open
        }
    };

    private final String description;
    private final long durationMillis;

    Fault(String description, long durationMillis) {
        this.description = description;
        this.durationMillis = durationMillis;
    }

    String description() {
        return description;
    }

    /** How long the fault lasts before it is healed (a kill lasts as long as the restart takes). */
    long durationMillis() {
        return durationMillis;
    }

    /** Starts the fault; the answer ends it. */
    abstract Runnable inject(ChaosStack stack, Random random);

    private static String infoField(String info, String field) {
        for (String line : info.split("\r?\n")) {
            if (line.startsWith(field + ":")) {
                return line.substring(field.length() + 1).trim();
            }
        }
        throw new IllegalStateException("no " + field + " in INFO");
    }
}
