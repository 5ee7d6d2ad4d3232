package io.cachepatterns.shared.config;

import java.util.Map;
import java.util.Set;
import org.eclipse.microprofile.config.spi.ConfigSource;

/**
 * Traces are exported only where someone collects them: the OpenTelemetry SDK is on when the standard
 * {@code OTEL_EXPORTER_OTLP_ENDPOINT} is set (where to send them, with {@code OTEL_EXPORTER_OTLP_PROTOCOL}), and off
 * otherwise, so that a service without a collector neither records spans nor logs failed exports. A configuration
 * source rather than a property, because a property can only default to another value, not test whether one is
 * set. Its ordinal (110) is below {@code application.properties}: a service or a test can still set
 * {@code quarkus.otel.sdk.disabled} itself.
 */
public final class TracingSwitch implements ConfigSource {

    static final String SDK_DISABLED = "quarkus.otel.sdk.disabled";

    private final Map<String, String> properties;

    public TracingSwitch() {
        String endpoint = System.getenv("OTEL_EXPORTER_OTLP_ENDPOINT");
        boolean collected = endpoint != null && !endpoint.isBlank();
        this.properties = Map.of(SDK_DISABLED, String.valueOf(!collected));
    }

    @Override
    public Set<String> getPropertyNames() {
        return properties.keySet();
    }

    @Override
    public String getValue(String propertyName) {
        return properties.get(propertyName);
    }

    @Override
    public String getName() {
        return "cache-patterns tracing switch (OTEL_EXPORTER_OTLP_ENDPOINT)";
    }

    @Override
    public int getOrdinal() {
        return 110;
    }
}
