package io.cachepatterns.catalog.outbox;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachepatterns.catalog.product.ProductApi;
import io.cachepatterns.shared.outbox.OutboxRelay;
import io.cachepatterns.shared.outbox.OutboxSignal;
import io.cachepatterns.testsupport.FaultProxy;
import io.cachepatterns.testsupport.ProxiedRedisResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledIfEnvironmentVariable;

/**
 * A writer that cannot reach Redis hands its invalidation over to the relays, and the hand-over wakes them at once
 * ({@link OutboxSignal}): here the relays poll a minute apart, so only the signal can make one look within seconds.
 * The relay of this instance cannot reach Redis either, so what shows that it looked is its backlog gauge.
 */
@QuarkusTest
@TestProfile(OutboxSignalTest.SlowPollsRedisThroughProxy.class)
// One proxy in front of one server: a cluster's connections go to six, a Sentinel client's to the sentinels first.
@DisabledIfEnvironmentVariable(named = "TEST_REDIS_MODE", matches = "cluster|sentinel")
class OutboxSignalTest {

    public static class SlowPollsRedisThroughProxy extends OutboxRelayTest.RedisThroughProxy {

        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("cache-outbox.poll-interval", "60s");
        }
    }

    @Inject
    OutboxRelay relay;

    @Inject
    OutboxSignal signal;

    @Inject
    Pool pool;

    @Test
    void aHandOverWakesTheRelaysAtOnceAndTheListenerComesBackAfterItsConnectionDies() throws Exception {
        long id = ProductApi.create("new");
        await("listening for hand-overs", signal::isListening, Duration.ofSeconds(10));
        assertThat(handOverIsSeenWithin(id, Duration.ofSeconds(3))).as("the relay looked at once").isTrue();

        // The listening connection dies (PostgreSQL restarted, the network cut): the next poll listens again.
        pool.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query = 'LISTEN "
                + OutboxSignal.CHANNEL + "' AND pid <> pg_backend_pid()").execute()
                .await().atMost(Duration.ofSeconds(5));
        await("the dead listener noticed", () -> !signal.isListening(), Duration.ofSeconds(10));
        relay.pollNow(); // as the relay's timer does
        await("listening again", signal::isListening, Duration.ofSeconds(10));
        assertThat(handOverIsSeenWithin(id, Duration.ofSeconds(3))).as("the relay looked at once, again").isTrue();
    }

    /**
     * Renames the product while Redis refuses this instance, and answers whether the relay saw the handed-over row
     * (its backlog) within {@code limit}; then lets Redis back in and waits until the relay has delivered it.
     */
    private boolean handOverIsSeenWithin(long id, Duration limit) throws Exception {
        assertThat(relay.backlog()).isZero();
        FaultProxy toRedis = ProxiedRedisResource.redis();
        toRedis.refuse();
        boolean seen;
        try {
            ProductApi.rename(id, "renamed");
            seen = eventually(() -> relay.backlog() > 0, limit);
        } finally {
            toRedis.resume();
        }
        // Redis is back: the relay delivers the row (polled here, as its timer would).
        await("the row delivered", () -> {
            relay.pollNow();
            return relay.backlog() == 0 && pending() == 0;
        }, Duration.ofSeconds(20));
        return seen;
    }

    private long pending() {
        return pool.query("SELECT count(*) AS n FROM cache_outbox").execute().await().atMost(Duration.ofSeconds(5))
                .iterator().next().getLong("n");
    }

    private static boolean eventually(BooleanSupplier condition, Duration limit) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return true;
            }
            Thread.sleep(20);
        }
        return condition.getAsBoolean();
    }

    private static void await(String what, BooleanSupplier condition, Duration limit) throws InterruptedException {
        assertThat(eventually(condition, limit)).as(what).isTrue();
    }
}
