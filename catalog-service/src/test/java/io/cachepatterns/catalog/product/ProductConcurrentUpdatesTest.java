package io.cachepatterns.catalog.product;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachepatterns.testsupport.RealServersResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * Updates of one product at the same moment: each is a PUT without a precondition ("make it this"), so each is
 * answered 200 and the product ends as one of them, never a 500 (found by the benchmark report: two PUTs of one
 * product met Hibernate's version check, and one was answered "an unexpected error occurred").
 */
@QuarkusTest
@WithTestResource(RealServersResource.class)
class ProductConcurrentUpdatesTest {

    @Test
    void concurrentUpdatesOfOneProductAreEachAnsweredAndOneWins() throws Exception {
        ExecutorService writers = Executors.newFixedThreadPool(8);
        try {
            for (int round = 0; round < 5; round++) {
                long id = ProductApi.create("contended");
                List<Future<Integer>> statuses = new ArrayList<>();
                List<String> names = new ArrayList<>();
                for (int w = 0; w < 8; w++) {
                    String name = "writer " + w + " of round " + round;
                    names.add(name);
                    statuses.add(writers.submit(() -> ProductApi.update(id, name).statusCode()));
                }
                for (Future<Integer> status : statuses) {
                    assertThat(status.get()).as("a PUT racing 7 others").isEqualTo(200);
                }
                assertThat(ProductApi.get(id).jsonPath().getString("name")).isIn(names);
            }
        } finally {
            writers.shutdownNow();
        }
    }
}
