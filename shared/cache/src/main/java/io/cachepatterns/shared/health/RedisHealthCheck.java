package io.cachepatterns.shared.health;

import io.cachepatterns.shared.core.RedisStore;
import io.smallrye.health.api.AsyncHealthCheck;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Reports Redis in the readiness body without ever making the instance unready.
 *
 * <p>Readiness says whether <em>this instance</em> can serve. The caches fall back to the database when Redis is
 * down or hung, so an instance without Redis still serves, only slower; and Redis is shared, so failing readiness on
 * its loss would take every instance out of its Service at once, the opposite of "the cache may fail and the app
 * still works". (Quarkus' own Redis check, which does fail readiness and waits up to 10 s on a hung Redis, is off by
 * default in this library.) The state is in the body and in the breaker's gauge; this check answers within
 * {@link #TIMEOUT}.
 */
@Readiness
@ApplicationScoped
public class RedisHealthCheck implements AsyncHealthCheck {

    static final Duration TIMEOUT = Duration.ofMillis(500);

    private final RedisStore store;

    public RedisHealthCheck(RedisStore store) {
        this.store = store;
    }

    @Override
    public Uni<HealthCheckResponse> call() {
        return store.ping().flatMap(ignored -> store.maxmemoryPolicy()).ifNoItem().after(TIMEOUT).fail()
                .map(policy -> response("up", policy, null))
                .onFailure().recoverWithItem(failure -> response("down", null, failure.toString()));
    }

    private HealthCheckResponse response(String redis, String policy, String error) {
        var builder = HealthCheckResponse.named("redis").up()
                .withData("redis", redis)
                .withData("breaker", store.breakerState())
                .withData("required", false);
        if (policy != null) {
            builder.withData("maxmemory-policy", policy);
            if (RedisStore.evictsKeysWithoutTtl(policy)) {
                builder.withData("warning", "an allkeys-* policy may evict write-behind increments that are "
                        + "acknowledged but not yet in the database");
            }
        }
        if (error != null) {
            builder.withData("error", error).withData("serving", "from the database, uncached");
        }
        return builder.build();
    }
}
