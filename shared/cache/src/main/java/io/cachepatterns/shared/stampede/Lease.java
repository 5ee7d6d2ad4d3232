package io.cachepatterns.shared.stampede;

import io.cachepatterns.shared.core.LuaScript;
import io.cachepatterns.shared.core.RedisStore;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.buffer.Buffer;
import io.vertx.redis.client.ResponseType;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

/**
 * One load per key across all instances, after Facebook's memcache leases.
 *
 * <p>A miss asks for the lease ({@code SET lease token NX PX leaseTime}); the one instance that gets it loads, the
 * others wait briefly for its value. The token also guards the write-back: {@link #fill} writes only while the lease
 * is still the caller's, and an invalidation deletes the lease, so a load that read the database before a write
 * committed cannot put the old value back. A lease that outlives its holder (a crash) expires after
 * {@code leaseTime}.
 */
public final class Lease {

    private static final LuaScript FILL = LuaScript.load("/io/cachepatterns/shared/core/set-if-lease-held.lua");
    private static final LuaScript ACQUIRE = LuaScript.load("/io/cachepatterns/shared/core/acquire-lease.lua");
    private static final LuaScript RELEASE = LuaScript.load("/io/cachepatterns/shared/core/release-lease.lua");

    private final RedisStore store;

    public Lease(RedisStore store) {
        this.store = store;
    }

    /** A token if this caller now holds the lease on {@code leaseKey}, else {@code null}. */
    public Uni<String> tryAcquire(String leaseKey, Duration leaseTime) {
        String token = UUID.randomUUID().toString();
        return store.setIfAbsent(leaseKey, token, leaseTime).map(acquired -> acquired ? token : null);
    }

    /**
     * What a lease attempt found: the caller's {@code token}, or the {@code value} that arrived since the caller
     * missed, or neither (another caller holds the lease).
     */
    public record Attempt(String token, Buffer value) {
    }

    /**
     * Like {@link #tryAcquire}, but looks at the value again in the same step: if it was filled since the caller's
     * miss (and, with a {@code freshKey}, is fresh), it is returned and no lease is taken. {@code freshKey} may be
     * {@code null}.
     */
    public Uni<Attempt> tryAcquireUnlessFilled(String dataKey, String leaseKey, String freshKey, Duration leaseTime) {
        String token = UUID.randomUUID().toString();
        List<String> keys = freshKey == null ? List.of(dataKey, leaseKey) : List.of(dataKey, leaseKey, freshKey);
        return store.eval(ACQUIRE, keys, List.of(token, leaseTime.toMillis())).map(response -> {
            if (response.type() == ResponseType.MULTI) {
                return new Attempt(null, response.get(0).toBuffer());
            }
            return new Attempt(response.toLong() == 1L ? token : null, null);
        });
    }

    /** Writes {@code value} with {@code ttl} and ends the lease; false if the lease was voided or expired. */
    public Uni<Boolean> fill(String dataKey, String leaseKey, String token, Buffer value, Duration ttl) {
        return store.eval(FILL, List.of(dataKey, leaseKey), List.of(token, value, ttl.toMillis()))
                .map(response -> response.toLong() == 1L);
    }

    /**
     * Like {@link #fill}, and marks the value fresh for {@code freshFor} while the value itself lives {@code ttl}
     * (longer): in between it is stale, to be served only when a reload fails.
     */
    public Uni<Boolean> fill(String dataKey, String leaseKey, String freshKey, String token, Buffer value,
                             Duration ttl, Duration freshFor) {
        return store.eval(FILL, List.of(dataKey, leaseKey, freshKey),
                        List.of(token, value, ttl.toMillis(), freshFor.toMillis()))
                .map(response -> response.toLong() == 1L);
    }

    /**
     * Gives the lease back so that others need not wait for it to expire. Never fails: if Redis cannot be reached,
     * the lease simply expires after {@code leaseTime}.
     */
    public Uni<Void> release(String leaseKey, String token) {
        return store.eval(RELEASE, List.of(leaseKey), List.of(token)).replaceWithVoid()
                .onFailure().recoverWithNull();
    }
}
