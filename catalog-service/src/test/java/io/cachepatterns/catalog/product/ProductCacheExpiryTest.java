package io.cachepatterns.catalog.product;

import static io.cachepatterns.catalog.product.ProductApi.create;
import static io.cachepatterns.catalog.product.ProductApi.get;
import static io.cachepatterns.catalog.product.ProductApi.queries;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.cachepatterns.testsupport.RealServersResource;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The TTL bounds how long a value is served: after it, the next read loads again. */
@QuarkusTest
@TestProfile(ProductCacheExpiryTest.ShortTtl.class)
@WithTestResource(RealServersResource.class)
class ProductCacheExpiryTest {

    @Inject
    MeterRegistry registry;

    @Test
    void afterTheTtlTheNextReadLoadsAgain() throws InterruptedException {
        long id = create("expiring");
        long before = queries(registry);
        get(id).then().header("X-Cache", "MISS");
        get(id).then().header("X-Cache", "HIT");
        assertEquals(1, queries(registry) - before);

        Thread.sleep(1300);

        get(id).then().statusCode(200).header("X-Cache", "MISS");
        get(id).then().statusCode(200).header("X-Cache", "HIT");
        assertEquals(2, queries(registry) - before, "one more SELECT after the TTL, then hits again");
    }

    public static class ShortTtl implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("cache.products.ttl", "1s", "cache.products.jitter", "0");
        }
    }
}
