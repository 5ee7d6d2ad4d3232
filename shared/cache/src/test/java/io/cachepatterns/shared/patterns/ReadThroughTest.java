package io.cachepatterns.shared.patterns;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachepatterns.shared.patterns.CacheRead.Source;
import io.cachepatterns.testsupport.RealServersResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Read-through over a real Redis: call sites name keys, the cache owns the loaders. */
@QuarkusTest
@WithTestResource(RealServersResource.class)
class ReadThroughTest {

    @Inject
    Caches caches;

    /** The source: ids ending in "-gone" do not exist. */
    private final AtomicInteger singleLoads = new AtomicInteger();
    private final List<Set<String>> bulkCalls = new CopyOnWriteArrayList<>();

    private ReadThrough<String> cache() {
        return caches.readThrough("summaries-test", String.class,
                id -> {
                    singleLoads.incrementAndGet();
                    return Uni.createFrom().item(id.endsWith("-gone") ? null : "summary of " + id);
                },
                ids -> {
                    bulkCalls.add(Set.copyOf(ids));
                    Map<String, String> found = new HashMap<>();
                    ids.stream().filter(id -> !id.endsWith("-gone")).forEach(id -> found.put(id, "summary of " + id));
                    return Uni.createFrom().item(found);
                });
    }

    @Test
    void aBulkGetLoadsAllItsMissesInOneCall() {
        ReadThrough<String> cache = cache();
        String prefix = UUID.randomUUID().toString();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            ids.add(prefix + "-" + i);
        }
        ids.add(prefix + "-gone");
        for (int i = 0; i < 3; i++) {
            cache.get(ids.get(i)).await().indefinitely(); // three of the ids are cached already
        }
        assertThat(singleLoads.get()).isEqualTo(3);

        Map<String, String> first = cache.getAll(ids).await().atMost(Duration.ofSeconds(5));

        assertThat(bulkCalls).as("one loader call, for the 8 misses only").hasSize(1);
        assertThat(bulkCalls.get(0)).containsExactlyInAnyOrderElementsOf(ids.subList(3, 11));
        assertThat(first.keySet()).as("found values, in the order asked").containsExactlyElementsOf(ids.subList(0, 10));
        assertThat(first.get(ids.get(7))).isEqualTo("summary of " + ids.get(7));

        Map<String, String> second = cache.getAll(ids).await().atMost(Duration.ofSeconds(5));
        assertThat(bulkCalls).as("everything cached now, the absent id included").hasSize(1);
        assertThat(second).isEqualTo(first);
        assertThat(singleLoads.get()).isEqualTo(3);
    }

    @Test
    void singleAndBulkReadsShareOneCache() {
        ReadThrough<String> cache = cache();
        String id = UUID.randomUUID().toString();
        cache.getAll(List.of(id)).await().indefinitely();

        CacheRead<String> read = cache.read(id).await().indefinitely();
        assertThat(read.source()).isEqualTo(Source.HIT);
        assertThat(read.value()).isEqualTo("summary of " + id);
        assertThat(singleLoads.get()).isZero();

        cache.invalidate(id).await().indefinitely();
        assertThat(cache.read(id).await().indefinitely().source()).isEqualTo(Source.MISS);
        assertThat(singleLoads.get()).isEqualTo(1);
    }
}
