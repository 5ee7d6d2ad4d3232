package io.cachepatterns.shared.patterns.writebehind;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.cachepatterns.shared.patterns.Caches;
import io.cachepatterns.shared.problem.ProblemException;
import io.cachepatterns.testsupport.RealServersResource;
import io.cachepatterns.testsupport.RedisCli;
import io.cachepatterns.testsupport.TestServers;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * {@code replica-acks=1}: an increment is acknowledged only once a replica has it ({@code WAIT} on the connection
 * that ran the script). Against one server (no replica) every increment is a 503, never acknowledged; against a
 * cluster or a Sentinel set-up ({@code TEST_REDIS_MODE}) it is acknowledged, and the primary's replica has it by then.
 */
@QuarkusTest
@WithTestResource(RealServersResource.class)
class ReplicaAcksTest {

    @Inject
    Caches caches;

    @Test
    void anIncrementIsAcknowledgedOnlyOnceAReplicaHasIt() throws InterruptedException {
        WriteBehindTest.Table table = new WriteBehindTest.Table();
        WriteBehind counters = caches.writeBehind("acked-test", List.of("views"), table, table);
        String id = "item-" + UUID.randomUUID();
        String key = "shared-test:acked-test:v1:{wb}:" + id;
        try (RedisCli primary = RedisCli.connect(TestServers.get().redisUrl())) {
            String replication = primaryOf(primary, key);
            if (replication.contains("connected_slaves:0")) {
                assertThatThrownBy(() -> counters.increment(id, Map.of("views", 1L), "k-" + id)
                        .await().atMost(Duration.ofSeconds(5)))
                        .as("no replica to confirm it: not acknowledged")
                        .isInstanceOfSatisfying(ProblemException.class,
                                problem -> assertEquals(503, problem.problem().status()));
                return;
            }
            // A replica in a full resync (another test's memory pressure can cause one) acknowledges nothing: that
            // is a 503 by design. What is under test is that of a replica in sync.
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (!replication.contains("state=online") && System.nanoTime() < deadline) {
                Thread.sleep(200);
                replication = primaryOf(primary, key);
            }
            for (int i = 1; i <= 20; i++) {
                Map<String, Long> values;
                try {
                    values = counters.increment(id, Map.of("views", 1L)).await().atMost(Duration.ofSeconds(5));
                } catch (ProblemException notAcknowledged) {
                    throw new AssertionError("increment " + i + " not acknowledged; the primary: " + replication
                            + "\nnow: " + primaryOf(primary, key), notAcknowledged);
                }
                assertEquals(i, values.get("views"));
                // Acknowledged: every replica WAIT counted has it. Read it on one that is in sync.
                assertThat(replicaValue(replication, key)).as("on a replica once acknowledged").isEqualTo(i);
            }
        }
    }

    /** INFO replication of the primary that holds {@code key}. */
    private static String primaryOf(RedisCli any, String key) {
        return String.valueOf(any.nodeOf(key).call("INFO", "replication"));
    }

    /** The highest value of {@code key} among the primary's replicas (WAIT 1 promises at least one has it). */
    private static long replicaValue(String replication, String key) {
        long best = -1;
        for (String line : replication.lines().filter(line -> line.matches("slave\\d+:.*")).toList()) {
            String ip = line.replaceAll(".*ip=([^,]+),.*", "$1");
            String port = line.replaceAll(".*port=(\\d+),.*", "$1");
            try (RedisCli replica = RedisCli.connect("redis://" + ip + ":" + port)) {
                try {
                    replica.call("READONLY"); // a cluster replica answers reads of its primary's slots only so
                } catch (IllegalStateException notACluster) {
                    // a Sentinel set-up's replica serves reads as it is
                }
                Object value = replica.call("HGET", key, "views");
                best = Math.max(best, value == null ? -1 : Long.parseLong(value.toString()));
            }
        }
        return best;
    }
}
