package io.cachepatterns.shared.ratelimit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cachepatterns.shared.core.RedisStore;
import io.cachepatterns.shared.metrics.CacheMetrics;
import io.cachepatterns.shared.problem.ProblemException;
import io.cachepatterns.testsupport.RealServersResource;
import io.cachepatterns.testsupport.Servers;
import io.cachepatterns.testsupport.TestServers;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** Rate limits shared by every instance through Redis, and still held, per instance, while Redis is away. */
@QuarkusTest
@WithTestResource(RealServersResource.class)
class RateLimiterTest {

    private static final Duration WAIT = Duration.ofSeconds(5);

    @Inject
    RedisStore store;

    @Inject
    RateLimitConfig config;

    @Inject
    CacheMetrics metrics;

    /** Another instance of a service: its own limiter, nothing shared but Redis. */
    private RateLimiter instance() {
        return new RateLimiter(store, config, metrics);
    }

    @Test
    void twoInstancesShareOneBudget() {
        RateLimiter first = instance();
        RateLimiter second = instance();
        String subject = "client-" + UUID.randomUUID();
        for (int i = 0; i < 5; i++) {
            (i % 2 == 0 ? first : second).acquire("test-limit", subject).await().atMost(WAIT);
        }
        // Five taken across both: the sixth is refused on either, with the time until the next token.
        for (RateLimiter limiter : new RateLimiter[] {first, second}) {
            assertThatThrownBy(() -> limiter.acquire("test-limit", subject).await().atMost(WAIT))
                    .isInstanceOfSatisfying(ProblemException.class, refused -> {
                        assertThat(refused.problem().status()).isEqualTo(429);
                        // 10 minutes for 5 tokens: one every 120 s.
                        assertThat(refused.retryAfterSeconds()).isBetween(100L, 120L);
                    });
        }
        // Another subject has its own bucket.
        first.acquire("test-limit", "client-" + UUID.randomUUID()).await().atMost(WAIT);
    }

    @Test
    void whileRedisHangsEachInstanceStillLimits() {
        Servers servers = TestServers.get();
        Assumptions.assumeTrue(servers.canStopRedis(), "these servers are not ours to freeze");
        RateLimiter limiter = instance();
        String subject = "client-" + UUID.randomUUID();
        servers.freezeRedis();
        try {
            for (int i = 0; i < 5; i++) {
                limiter.acquire("test-limit", subject).await().atMost(Duration.ofSeconds(15));
            }
            assertThatThrownBy(() -> limiter.acquire("test-limit", subject).await().atMost(Duration.ofSeconds(15)))
                    .isInstanceOfSatisfying(ProblemException.class,
                            refused -> assertThat(refused.problem().status()).isEqualTo(429));
        } finally {
            servers.thawRedis();
        }
    }
}
