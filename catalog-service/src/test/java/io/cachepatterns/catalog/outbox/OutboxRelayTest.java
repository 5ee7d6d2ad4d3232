package io.cachepatterns.catalog.outbox;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachepatterns.shared.outbox.OutboxRelay;
import io.cachepatterns.testsupport.FaultProxy;
import io.cachepatterns.testsupport.ProxiedRedisResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.DisabledIfEnvironmentVariable;

/**
 * The outbox relay of an instance whose Redis hangs, with a row another instance could deliver: the row must stay
 * takeable. A relay that locks it and then waits on Redis hides it from every other relay for as long as that wait
 * lasts, poll after poll (the relays poll at one interval): the other instance then served a product's old value
 * for 4.3 s after its writer's answer. Once Redis answers, the relay delivers the row, though this instance has
 * served no request (its caches, which the relay delivers to, exist from start-up).
 */
@QuarkusTest
@TestProfile(OutboxRelayTest.RedisThroughProxy.class)
// One proxy in front of one server: a cluster's connections go to six, a Sentinel client's to the sentinels first.
@DisabledIfEnvironmentVariable(named = "TEST_REDIS_MODE", matches = "cluster|sentinel")
class OutboxRelayTest {

    private static final String TAKE = "SELECT id FROM cache_outbox WHERE id = $1 FOR UPDATE SKIP LOCKED";

    public static class RedisThroughProxy implements QuarkusTestProfile {

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(ProxiedRedisResource.class));
        }
    }

    @Inject
    OutboxRelay relay;

    @Inject
    Pool pool;

    @Test
    void aRelayThatCannotReachRedisLeavesItsRowsToTheRelaysThatCan() throws Exception {
        String id = UUID.randomUUID().toString();
        pool.preparedQuery("INSERT INTO cache_outbox (id, target, item, handed_over)"
                        + " VALUES ($1, 'products', '1', true)").execute(Tuple.of(id))
                .await().atMost(Duration.ofSeconds(5));
        FaultProxy toRedis = ProxiedRedisResource.redis();
        toRedis.stall();
        // A delivery that began before the hang holds the row until its timeout (250 ms): one poll's worth, once.
        Thread.sleep(500);
        int tries = 0;
        int hidden = 0;
        try {
            // This instance's relay polls on its own timer as well; for a second, as another instance's relay would:
            long deadline = System.nanoTime() + Duration.ofSeconds(1).toNanos();
            while (System.nanoTime() < deadline) {
                relay.pollNow();
                Thread.sleep(20);
                tries++;
                if (!takeable(id)) {
                    hidden++;
                }
            }
        } finally {
            toRedis.cut(); // the pool's muted connections go; new ones reach Redis
            toRedis.resume();
        }
        assertThat(hidden).as("of %d tries, times another relay could not take the row", tries).isZero();

        // Reachable again: the relay delivers it.
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (exists(id) && System.nanoTime() < deadline) {
            relay.pollNow();
            Thread.sleep(100);
        }
        assertThat(exists(id)).as("the row is still undelivered").isFalse();
    }

    private boolean takeable(String id) {
        return pool.withTransaction(connection -> connection.preparedQuery(TAKE).execute(Tuple.of(id)))
                .await().atMost(Duration.ofSeconds(5)).size() == 1;
    }

    private boolean exists(String id) {
        return pool.preparedQuery("SELECT 1 FROM cache_outbox WHERE id = $1").execute(Tuple.of(id))
                .await().atMost(Duration.ofSeconds(5)).size() == 1;
    }
}
