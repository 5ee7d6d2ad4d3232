package io.cachepatterns.shared.health;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.health.api.AsyncHealthCheck;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * PostgreSQL in the readiness check, answered within {@link #TIMEOUT} (Quarkus' own datasource check, off by default
 * in this library, waits up to 20 s on a hung database).
 *
 * <p>Whether losing it makes the instance unready depends on the service: catalog and profile cannot answer a cache
 * miss without it ({@code database-health.required=true}, the default); metrics-service's write-behind absorbs an
 * outage, so there it is only reported ({@code false}).
 */
@Readiness
@ApplicationScoped
public class DatabaseHealthCheck implements AsyncHealthCheck {

    static final Duration TIMEOUT = Duration.ofMillis(800);

    /** Whether this service needs PostgreSQL to serve. */
    @ConfigMapping(prefix = "database-health")
    public interface Settings {

        @WithDefault("true")
        boolean required();
    }

    private final Pool pool;
    private final boolean required;

    public DatabaseHealthCheck(Pool pool, Settings settings) {
        this.pool = pool;
        this.required = settings.required();
    }

    @Override
    public Uni<HealthCheckResponse> call() {
        return pool.query("SELECT 1").execute().ifNoItem().after(TIMEOUT).fail()
                .map(ignored -> HealthCheckResponse.named("database").up().withData("database", "up")
                        .withData("required", required).build())
                .onFailure().recoverWithItem(failure -> HealthCheckResponse.named("database").status(!required)
                        .withData("database", "down").withData("required", required)
                        .withData("error", failure.toString()).build());
    }
}
