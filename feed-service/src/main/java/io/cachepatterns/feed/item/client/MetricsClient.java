package io.cachepatterns.feed.item.client;

import io.cachepatterns.feed.item.ItemStats;
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

/** metrics-service ({@code METRICS_URL}): a timeout, two retries and a circuit breaker per endpoint
 * ({@code metrics-stats}, {@code metrics-top}). */
@Path("/items")
@RegisterRestClient(configKey = "metrics")
public interface MetricsClient {

    /** The counters of up to 100 items ({@code ids} comma-separated), in one request. */
    @GET
    @Path("/stats")
    @Retry(maxRetries = 2, delay = 100, jitter = 50)
    @CircuitBreaker(requestVolumeThreshold = 4, failureRatio = 0.5, delay = 5000, successThreshold = 1)
    @CircuitBreakerName("metrics-stats")
    @Timeout(1000)
    Uni<List<ItemStats>> stats(@RestQuery String ids);

    @GET
    @Path("/top")
    @Retry(maxRetries = 2, delay = 100, jitter = 50)
    @CircuitBreaker(requestVolumeThreshold = 4, failureRatio = 0.5, delay = 5000, successThreshold = 1)
    @CircuitBreakerName("metrics-top")
    @Timeout(1000)
    Uni<List<ItemStats>> top(@RestQuery String metric, @RestQuery int limit);
}
