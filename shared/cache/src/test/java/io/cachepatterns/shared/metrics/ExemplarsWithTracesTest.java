package io.cachepatterns.shared.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachepatterns.testsupport.RealServersResource;
import io.prometheus.client.exemplars.ExemplarSampler;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * With no OTLP endpoint (the SDK off), the Prometheus registry gets no exemplar sampler: no per-update sampling for
 * spans that never exist. {@link CacheSpansTest} checks that one is there with tracing on.
 */
@QuarkusTest
@WithTestResource(RealServersResource.class)
class ExemplarsWithTracesTest {

    @Inject
    Optional<ExemplarSampler> exemplarSampler;

    @Test
    void withTracingOffNoExemplarIsSampled() {
        assertThat(exemplarSampler).isEmpty();
    }
}
