package io.cachepatterns.feed.product.client;

import io.cachepatterns.feed.product.ProductSummary;
import io.smallrye.faulttolerance.api.CircuitBreakerName;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import java.util.List;
import org.eclipse.microprofile.faulttolerance.CircuitBreaker;
import org.eclipse.microprofile.faulttolerance.Retry;
import org.eclipse.microprofile.faulttolerance.Timeout;
import org.eclipse.microprofile.rest.client.inject.RegisterRestClient;
import org.jboss.resteasy.reactive.RestQuery;

/**
 * catalog-service ({@code CATALOG_URL}). Each call is bounded by a timeout and retried twice, behind a circuit
 * breaker per endpoint ({@code catalog-newest}, {@code catalog-by-ids}; SmallRye Fault Tolerance gives each method its
 * own): while catalog-service is down, calls fail at once and the caches serve what they have.
 */
@Path("/products")
@RegisterRestClient(configKey = "catalog")
public interface CatalogClient {

    /** A page of products; the JSON has more fields, the summary keeps what it needs. */
    record Page(List<ProductSummary> items) {
    }

    @GET
    @Retry(maxRetries = 2, delay = 100, jitter = 50)
    @CircuitBreaker(requestVolumeThreshold = 4, failureRatio = 0.5, delay = 5000, successThreshold = 1)
    @CircuitBreakerName("catalog-newest")
    @Timeout(1000)
    Uni<Page> newest(@RestQuery String sort, @RestQuery int size);

    /** Those of {@code ids} (comma-separated, at most 100) that exist, in one request. */
    @GET
    @Retry(maxRetries = 2, delay = 100, jitter = 50)
    @CircuitBreaker(requestVolumeThreshold = 4, failureRatio = 0.5, delay = 5000, successThreshold = 1)
    @CircuitBreakerName("catalog-by-ids")
    @Timeout(1000)
    Uni<Page> withIds(@RestQuery String ids);
}
