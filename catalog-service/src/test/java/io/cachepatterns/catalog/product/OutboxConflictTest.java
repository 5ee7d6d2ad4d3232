package io.cachepatterns.catalog.product;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachepatterns.catalog.product.repository.ProductRepository;
import io.cachepatterns.shared.outbox.Outbox;
import io.cachepatterns.shared.problem.ProblemException;
import io.cachepatterns.testsupport.RealServersResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.vertx.VertxContextSupport;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * The outbox's transactions racing on one versioned row without a lock: each that loses the version check runs again
 * from its read (several succeed where without that only the first could), and one that keeps losing is a 409
 * problem, never an unexpected failure.
 */
@QuarkusTest
@WithTestResource(RealServersResource.class)
class OutboxConflictTest {

    @Inject
    Outbox outbox;

    @Inject
    ProductRepository repository;

    @Test
    void aTransactionThatLosesAVersionCheckRunsAgainOrIsAConflict() throws Exception {
        ExecutorService writers = Executors.newFixedThreadPool(4);
        try {
            for (int round = 0; round < 5; round++) {
                long id = ProductApi.create("versioned");
                List<Future<String>> outcomes = new ArrayList<>();
                for (int w = 0; w < 4; w++) {
                    String name = "writer " + w;
                    outcomes.add(writers.submit(() -> {
                        try {
                            return VertxContextSupport.subscribeAndAwait(() -> outbox.transaction(
                                    // findById, no lock: the version check alone keeps writers apart here.
                                    () -> repository.findById(id).call(product -> {
                                        product.name = name;
                                        return repository.flush();
                                    }).map(product -> "written"), written -> List.of()));
                        } catch (ProblemException conflict) {
                            return "conflict " + conflict.problem().status();
                        } catch (Throwable unexpected) {
                            return "failed: " + unexpected;
                        }
                    }));
                }
                List<String> seen = new ArrayList<>();
                for (Future<String> outcome : outcomes) {
                    seen.add(outcome.get());
                }
                assertThat(seen).as("round %d", round).allMatch(o -> o.equals("written") || o.equals("conflict 409"));
                assertThat(seen).as("round %d: writers that lost a version check ran again", round)
                        .filteredOn("written"::equals).hasSizeGreaterThan(1);
            }
        } finally {
            writers.shutdownNow();
        }
    }
}
