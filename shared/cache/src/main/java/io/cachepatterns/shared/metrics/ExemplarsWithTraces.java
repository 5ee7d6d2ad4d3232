package io.cachepatterns.shared.metrics;

import io.prometheus.client.exemplars.ExemplarSampler;
import io.quarkus.micrometer.runtime.export.exemplars.OpentelemetryExemplarSamplerProvider;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Alternative;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Prometheus exemplars (a trace id beside a sample) only while traces are exported. Quarkus samples an exemplar on
 * every counter and timer update whenever OpenTelemetry is on the class path, even with its SDK off
 * ({@link io.cachepatterns.shared.config.TracingSwitch}): then there is never a span to point to, and the sampling
 * was 5 % of a cache hit's CPU (JFR, catalog-service pinned to one core). With an OTLP endpoint set, exemplars are
 * sampled as before.
 */
@ApplicationScoped
public class ExemplarsWithTraces {

    /** Chosen over Quarkus' own producer of the same type, which has no switch. */
    @Produces
    @Singleton
    @Alternative
    @Priority(1)
    Optional<ExemplarSampler> exemplarSampler(
            @ConfigProperty(name = "quarkus.otel.sdk.disabled", defaultValue = "false") boolean tracingOff) {
        return tracingOff ? Optional.empty() : new OpentelemetryExemplarSamplerProvider().exemplarSampler();
    }
}
