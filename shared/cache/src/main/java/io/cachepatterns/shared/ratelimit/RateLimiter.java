package io.cachepatterns.shared.ratelimit;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.cachepatterns.shared.core.LuaScript;
import io.cachepatterns.shared.core.RedisStore;
import io.cachepatterns.shared.metrics.CacheMetrics;
import io.cachepatterns.shared.problem.ProblemException;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * Rate limits that hold for the whole fleet: one token bucket per (limit, subject) in Redis, taken from by a Lua
 * script with Redis' clock, so two instances share one budget. Over the limit: a 429 problem with
 * {@code Retry-After}, counted in {@code rate_limited_total{limit=…}}.
 *
 * <p><b>When Redis is down</b> each instance keeps its own buckets in memory with the same rates, so the limits still
 * hold per instance (the fleet's budget becomes N times the limit for the outage), and a login flood cannot use an
 * outage to guess freely. Counted in {@code rate_limit_local_total}. Subjects are hashed into the key: a username
 * with braces or a huge header changes nothing about the key's shape or size.
 */
@ApplicationScoped
public class RateLimiter {

    private static final Logger LOG = Logger.getLogger(RateLimiter.class);
    private static final LuaScript TOKEN_BUCKET = LuaScript.load("/io/cachepatterns/shared/ratelimit/token-bucket.lua");

    private final RedisStore store;
    private final RateLimitConfig config;
    private final MeterRegistry registry;
    private final Cache<String, LocalBucket> local = Caffeine.newBuilder()
            .maximumSize(100_000).expireAfterAccess(Duration.ofMinutes(15)).build();

    public RateLimiter(RedisStore store, RateLimitConfig config, CacheMetrics metrics) {
        this.store = store;
        this.config = config;
        this.registry = metrics.registry();
    }

    /** Takes one request from {@code limit}'s bucket for {@code subject}; fails with a 429 problem when it is empty. */
    public Uni<Void> acquire(String limit, String subject) {
        RateLimitConfig.Limit spec = config.limits().get(limit);
        if (spec == null) {
            return Uni.createFrom().failure(new IllegalStateException("no rate limit named " + limit));
        }
        if (!spec.enabled()) {
            return Uni.createFrom().voidItem();
        }
        long refillMillis = Math.max(1, spec.period().toMillis() / spec.capacity());
        String key = "ratelimit:" + limit + ":{" + digest(subject) + "}";
        return store.eval(TOKEN_BUCKET, List.of(key), List.of(String.valueOf(spec.capacity()),
                        String.valueOf(refillMillis)))
                .map(answer -> answer.get(0).toInteger() == 1 ? 0L : answer.get(1).toLong())
                .onFailure().recoverWithItem(failure -> {
                    registry.counter("rate.limit.local", "limit", limit).increment();
                    LOG.debugf("rate limit %s taken locally: %s", limit, failure.toString());
                    return local.get(key, ignored -> new LocalBucket(spec.capacity(), refillMillis)).take();
                })
                .map(waitMillis -> {
                    if (waitMillis > 0) {
                        registry.counter("rate.limited", "limit", limit).increment();
                        throw ProblemException.tooManyRequests("too many requests (" + limit + "); try again later",
                                Math.max(1, (waitMillis + 999) / 1000));
                    }
                    return null;
                })
                .replaceWithVoid();
    }

    private static String digest(String subject) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(String.valueOf(subject)
                    .getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(hash, 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The same bucket in memory, for while Redis is away. */
    private static final class LocalBucket {
        private final int capacity;
        private final long refillMillis;
        private double tokens;
        private long at = System.currentTimeMillis();

        LocalBucket(int capacity, long refillMillis) {
            this.capacity = capacity;
            this.refillMillis = refillMillis;
            this.tokens = capacity;
        }

        synchronized long take() {
            long now = System.currentTimeMillis();
            tokens = Math.min(capacity, tokens + (double) (now - at) / refillMillis);
            at = now;
            if (tokens >= 1) {
                tokens -= 1;
                return 0;
            }
            return (long) Math.ceil((1 - tokens) * refillMillis);
        }
    }
}
