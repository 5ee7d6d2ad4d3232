package io.cachepatterns.shared.core;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * How one cache behaves.
 *
 * @param enabled    false turns the cache off: every read goes to the loader (for comparisons and emergencies)
 * @param ttl        how long a value lives in Redis
 * @param jitter     a fraction of the TTL added at random (0.1: up to +10 %), so that keys filled together do not
 *                   all expire together
 * @param absentTtl  how long "no such value" is remembered, so that a flood of unknown ids does not reach the
 *                   database each time; zero turns it off
 * @param leaseTime  how long one instance may hold the right to load a key before another may take it
 * @param leaseWait  how long an instance that did not get the lease waits for the holder's value before it loads
 *                   the value itself
 * @param staleGrace how long a value is kept past its TTL, to be served (marked stale) when reloading it fails;
 *                   zero turns stale-if-error off
 * @param loadTimeout how long a load (the database, an upstream) may take before it fails, as a 503 problem: a
 *                   source that hangs must not hold its readers, nor a load they share, for ever
 */
public record CacheSettings(boolean enabled, Duration ttl, double jitter, Duration absentTtl, Duration leaseTime,
                            Duration leaseWait, Duration staleGrace, Duration loadTimeout) {

    public static final Duration DEFAULT_LOAD_TIMEOUT = Duration.ofSeconds(5);

    public CacheSettings(boolean enabled, Duration ttl, double jitter, Duration absentTtl, Duration leaseTime,
                         Duration leaseWait, Duration staleGrace) {
        this(enabled, ttl, jitter, absentTtl, leaseTime, leaseWait, staleGrace, DEFAULT_LOAD_TIMEOUT);
    }

    /** Without stale-if-error. */
    public CacheSettings(boolean enabled, Duration ttl, double jitter, Duration absentTtl, Duration leaseTime,
                         Duration leaseWait) {
        this(enabled, ttl, jitter, absentTtl, leaseTime, leaseWait, Duration.ZERO);
    }

    public CacheSettings {
        if (ttl.isNegative() || ttl.isZero()) {
            throw new IllegalArgumentException("ttl must be positive");
        }
        if (jitter < 0 || jitter > 1) {
            throw new IllegalArgumentException("jitter must be between 0 and 1");
        }
        if (absentTtl.isNegative() || leaseTime.isNegative() || leaseTime.isZero() || leaseWait.isNegative()
                || staleGrace.isNegative() || loadTimeout.isNegative() || loadTimeout.isZero()) {
            throw new IllegalArgumentException("absentTtl and leaseWait must not be negative, leaseTime positive");
        }
    }

    /** The TTL of one write: {@code ttl × (1 + u·jitter)}, u uniform in [0, 1). */
    public Duration ttlWithJitter() {
        if (jitter == 0) {
            return ttl;
        }
        long extra = (long) (ttl.toMillis() * jitter * ThreadLocalRandom.current().nextDouble());
        return ttl.plusMillis(extra);
    }

    public boolean servesStale() {
        return !staleGrace.isZero();
    }

    public boolean cachesAbsence() {
        return !absentTtl.isZero();
    }
}
