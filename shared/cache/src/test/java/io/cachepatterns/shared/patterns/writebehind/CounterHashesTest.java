package io.cachepatterns.shared.patterns.writebehind;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class CounterHashesTest {

    @Test
    void slotsAreRedisClusterSlots() {
        // CLUSTER KEYSLOT foo / bar / hello on a real cluster.
        assertEquals(12182, CounterHashes.slot("foo"));
        assertEquals(5061, CounterHashes.slot("bar"));
        assertEquals(866, CounterHashes.slot("hello"));
    }

    @Test
    void onePartitionKeepsTheOriginalKeys() {
        CounterHashes hashes = new CounterHashes("svc", "counters", 1, List.of("views"), 1);
        assertEquals("svc:counters:v1:{wb}:item-1", hashes.valueKey("item-1"));
        assertEquals("svc:counters:v1:{wb}:log", hashes.log(0));
        assertEquals("svc:counters:v1:{wb}:idem:item-1:k", hashes.idempotencyKey("item-1", "k"));
    }

    @Test
    void partitionTagsFallInEqualSlotRangesSoThatEachPrimaryOfAnEvenClusterGetsItsShare() {
        for (int n : new int[] {2, 3, 6, 16}) {
            for (int p = 0; p < n; p++) {
                int slot = CounterHashes.slot(CounterHashes.tag(p, n));
                assertThat(slot).as("partition %d of %d", p, n)
                        .isGreaterThanOrEqualTo(16_384 * p / n).isLessThan(16_384 * (p + 1) / n);
            }
        }
    }

    @Test
    void aValueItsLogAndItsIdempotencyRecordsShareOneTagAndValuesSpreadOverAllPartitions() {
        CounterHashes hashes = new CounterHashes("svc", "counters", 1, List.of("views"), 3);
        Set<Integer> used = new HashSet<>();
        IntStream.range(0, 300).mapToObj(i -> "item-" + i).forEach(id -> {
            int partition = hashes.partitionOf(id);
            used.add(partition);
            String tag = tagOf(hashes.valueKey(id));
            assertEquals(tag, tagOf(hashes.log(partition)));
            assertEquals(tag, tagOf(hashes.dead(partition)));
            assertEquals(tag, tagOf(hashes.idempotencyIndex(partition)));
            assertEquals(tag, tagOf(hashes.idempotencyKey(id, "k")));
        });
        assertEquals(Set.of(0, 1, 2), used);
    }

    private static String tagOf(String key) {
        return key.substring(key.indexOf('{') + 1, key.indexOf('}'));
    }
}
