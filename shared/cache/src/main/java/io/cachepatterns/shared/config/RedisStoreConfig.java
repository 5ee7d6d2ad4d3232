package io.cachepatterns.shared.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/**
 * How long a Redis call may take, and when the circuit breaker in front of Redis opens. While it is open, caches
 * skip Redis and read from their loaders; it closes again on its own once trial calls succeed.
 */
@ConfigMapping(prefix = "cache-store")
public interface RedisStoreConfig {

    /** Longer than a healthy Redis ever needs on a LAN, short enough that a hung Redis costs little. */
    @WithDefault("250ms")
    Duration timeout();

    Breaker breaker();

    /**
     * How often an idle connection (an event loop's, a subscription's) sends {@code PING}. With the client's
     * read-idle timeout ({@code quarkus.redis.tcp.read-idle-timeout}, 3 s by default here), a connection that stops
     * answering (half open after a network cut, a frozen server) is closed within a few seconds instead of when TCP
     * gives up, and a subscription that died silently is noticed as soon.
     */
    @WithDefault("1s")
    Duration keepAlive();

    /**
     * How many event loops get a connection of their own; the others (and every other thread) use the pool. At most
     * half the pool, so that a machine with more event loops than pooled connections never starves the pool's other
     * users (subscriptions, flushers) — {@code -1}: half of {@code quarkus.redis.max-pool-size}.
     */
    @WithDefault("-1")
    int loopConnections();

    /**
     * How long after the last Redis failure seen here cached reads stay off Redis (the invalidation fence), at the
     * least: long enough for any service's outbox relay to deliver what Redis missed (its {@code min-age}, 2 s, plus
     * a poll). A service with an outbox also waits for its relay to find the outbox empty.
     */
    @WithDefault("3s")
    Duration fenceHold();

    /**
     * How long a write-through whose cache write failed after its commit keeps sending the repair (supersede the
     * entry, mark the ranking incomplete) before it answers anyway: Redis may answer every other instance while this
     * one alone times out (a stalled connection, a pause of this JVM), and until the repair lands those instances
     * read the value before the write. Each attempt has the {@code timeout}. During a full Redis outage every
     * write-through write that needs a repair is answered this much later.
     */
    @WithDefault("1s")
    Duration repairWait();

    interface Breaker {

        /** How many recent calls the breaker looks at. */
        @WithDefault("20")
        int requestVolume();

        /** The share of those calls that must fail to open the breaker. */
        @WithDefault("0.5")
        double failureRatio();

        /** How long the breaker stays open before it lets trial calls through. */
        @WithDefault("2s")
        Duration delay();

        /** How many trial calls must succeed to close it again. */
        @WithDefault("2")
        int successThreshold();
    }
}
