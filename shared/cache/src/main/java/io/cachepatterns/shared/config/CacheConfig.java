package io.cachepatterns.shared.config;

import io.cachepatterns.shared.core.CacheSettings;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithDefaults;
import io.smallrye.config.WithParentName;
import java.time.Duration;
import java.util.Map;

/**
 * Each service declares its caches in {@code application.properties}:
 * <pre>
 * cache.products.ttl=300s
 * cache.products.jitter=0.1
 * cache.products.absent-ttl=30s
 * </pre>
 * A cache that is not named gets the defaults below.
 */
@ConfigMapping(prefix = "cache")
public interface CacheConfig {

    @WithParentName
    @WithDefaults
    Map<String, CacheSpec> caches();

    default CacheSpec cache(String name) {
        return caches().get(name);
    }

    interface CacheSpec {

        @WithDefault("true")
        boolean enabled();

        /** Raise it when the shape of the cached value changes: the keys change with it. */
        @WithDefault("1")
        int schemaVersion();

        @WithDefault("300s")
        Duration ttl();

        @WithDefault("0.1")
        double jitter();

        @WithDefault("0s")
        Duration absentTtl();

        @WithDefault("5s")
        Duration leaseTime();

        @WithDefault("500ms")
        Duration leaseWait();

        /** How long a value is kept past its TTL to be served, marked stale, when reloading it fails; 0s: off. */
        @WithDefault("0s")
        Duration staleGrace();

        /**
         * How long a load (the database, an upstream) may take before the read fails with a 503 problem. A source
         * that hangs (a black-holed database) must not hold its readers, nor the load they share, for ever.
         */
        @WithDefault("5s")
        Duration loadTimeout();

        /** Near caches: how long an in-process copy is trusted at most, even if an invalidation is lost. */
        @WithDefault("5s")
        Duration l1Ttl();

        /** Near caches: how many values the in-process level holds at most. */
        @WithDefault("10000")
        long l1MaxSize();

        /** Write-behind: how often the flusher writes to the database. */
        @WithDefault("1s")
        Duration writeDelay();

        /**
         * Write-behind: the longest wait between flushes while they fail (the wait doubles from {@code write-delay}):
         * also how long the database may wait for its writes once it is back. A failed flush costs one connection
         * attempt, so a short cap is cheap; at 30 s the report measured 7.5 s after an 8 s outage before the first
         * flush that went through.
         */
        @WithDefault("4s")
        Duration maxFlushBackoff();

        /** Write-behind: how long an {@code Idempotency-Key} is remembered, so that a retry is applied only once. */
        @WithDefault("24h")
        Duration idempotencyTtl();

        /** Write-behind: how many log entries one flush reads at most. */
        @WithDefault("5000")
        int batchSize();

        /** Write-behind: failed flushes of an entry before it moves to the dead-letter stream. */
        @WithDefault("5")
        int maxAttempts();

        /**
         * Write-behind: how many hash tags the values and their log are split into. One tag is one slot, so on Redis
         * Cluster one primary takes all of a write-behind's load; N partitions spread it over N slots chosen to fall
         * on different primaries (N a multiple of their number). Changing it moves values to other keys: flush
         * everything first (stop the writers, let the log drain).
         */
        @WithDefault("1")
        int logPartitions();

        /**
         * Write-behind: how many replicas must have an increment before it is acknowledged ({@code WAIT} after the
         * script). 0 (the default) acknowledges what the primary has: a failover within about a second can lose it.
         * With 1 or more an increment that no replica confirmed within {@code replica-ack-timeout} is answered 503
         * (retry with the same {@code Idempotency-Key}); it costs a replication round trip per increment.
         */
        @WithDefault("0")
        int replicaAcks();

        /** Write-behind: how long an increment waits for {@code replica-acks} replicas. */
        @WithDefault("250ms")
        Duration replicaAckTimeout();

        /** Write-behind: how long an entry may sit unacknowledged with a consumer before another claims it. */
        @WithDefault("30s")
        Duration claimIdle();

        /**
         * Refresh-ahead: the fraction of the TTL after which a read (or the hot-key schedule) reloads an entry in the
         * background; 1 never refreshes early.
         */
        @WithDefault("0.75")
        double refreshFactor();

        /** Refresh-ahead: XFetch's β for probabilistic early reloads; 0 turns them off, 1 is the usual choice. */
        @WithDefault("0")
        double earlyRecomputeBeta();

        /** Refresh-ahead: how often hot keys are checked; 0s: a quarter of the refresh window, at least 50 ms. */
        @WithDefault("0s")
        Duration refreshCheckInterval();

        /** Refresh-ahead: how long to wait after a failed reload before trying again. */
        @WithDefault("1s")
        Duration refreshRetryDelay();

        default CacheSettings settings() {
            return new CacheSettings(enabled(), ttl(), jitter(), absentTtl(), leaseTime(), leaseWait(), staleGrace(),
                    loadTimeout());
        }
    }
}
