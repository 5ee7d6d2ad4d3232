package io.cachepatterns.catalog.rate.client;

import io.smallrye.faulttolerance.api.CircuitBreakerName;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import org.eclipse.microprofile.faulttolerance.CircuitBreaker;
import org.eclipse.microprofile.faulttolerance.Retry;
import org.eclipse.microprofile.faulttolerance.Timeout;
import org.eclipse.microprofile.rest.client.annotation.RegisterProvider;
import org.eclipse.microprofile.rest.client.inject.RegisterRestClient;
import org.jboss.resteasy.reactive.RestQuery;

/**
 * The exchange-rate API ({@code RATES_URL}): slow, metered, slow-changing. Retried twice, each try bounded by a
 * timeout, all behind the {@code rates} circuit breaker, so that a dead upstream costs a fast failure and lets the
 * cache serve what it has.
 */
@Path("/latest")
@RegisterRestClient(configKey = "rates")
@RegisterProvider(UpstreamCallCounter.class)
public interface RatesClient {

    @GET
    @Retry(maxRetries = 2, delay = 100, jitter = 50)
    @CircuitBreaker(requestVolumeThreshold = 4, failureRatio = 0.5, delay = 5000, successThreshold = 1)
    @CircuitBreakerName("rates")
    @Timeout(2000)
    Uni<RateTable> latest(@RestQuery("base") String from, @RestQuery("symbols") String to);
}
