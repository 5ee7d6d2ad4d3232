package io.cachepatterns.catalog.rate.client;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.inject.Singleton;
import jakarta.ws.rs.client.ClientRequestContext;
import jakarta.ws.rs.client.ClientRequestFilter;

/** Counts every HTTP request sent to the exchange-rate API, retries included: {@code rates_upstream_requests_total}. */
@Singleton
public class UpstreamCallCounter implements ClientRequestFilter {

    private final Counter requests;

    public UpstreamCallCounter(MeterRegistry registry) {
        this.requests = registry.counter("rates.upstream.requests");
    }

    @Override
    public void filter(ClientRequestContext request) {
        requests.increment();
    }
}
