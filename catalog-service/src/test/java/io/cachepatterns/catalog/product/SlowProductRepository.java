package io.cachepatterns.catalog.product;

import io.cachepatterns.catalog.product.repository.ProductRepository;
import io.cachepatterns.shared.core.VertxContexts;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.Mock;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Singleton;
import java.time.Duration;

/**
 * The real repository, reading the real database, with an adjustable pause after the read: a slow load, so that a
 * test can let a write commit between a load's read and its write-back.
 */
@Mock
@Singleton // no client proxy: the subclass of a constructor-injected bean has no no-args constructor
public class SlowProductRepository extends ProductRepository {

    private static volatile Duration pauseAfterRead = Duration.ZERO;

    public SlowProductRepository(MeterRegistry registry) {
        super(registry);
    }

    public static void pauseAfterRead(Duration pause) {
        pauseAfterRead = pause;
    }

    @Override
    public Uni<Product> findProduct(long id) {
        Duration pause = pauseAfterRead;
        var context = VertxContexts.current();
        return super.findProduct(id).call(product -> pause.isZero()
                ? Uni.createFrom().voidItem()
                : VertxContexts.sleep(context, pause));
    }
}
