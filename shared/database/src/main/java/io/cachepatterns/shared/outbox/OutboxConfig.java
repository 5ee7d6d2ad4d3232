package io.cachepatterns.shared.outbox;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** How the outbox relay catches up with invalidations that the writer could not deliver itself. */
@ConfigMapping(prefix = "cache-outbox")
public interface OutboxConfig {

    /** Off in a service that records no invalidations (it then has no relay polling an empty table). */
    @WithDefault("true")
    boolean enabled();

    /** How often each instance looks for undelivered rows; with the breaker's delay, the bound on staleness. */
    @WithDefault("500ms")
    Duration pollInterval();

    /**
     * How old a row its writer did not hand over must be before the relay takes it: younger ones are still being
     * delivered by their writer, and taking them too would only deliver them twice. Older ones lost their writer.
     */
    @WithDefault("2s")
    Duration minAge();

    /** Rows delivered per poll at most; a full batch is followed by another poll at once. */
    @WithDefault("200")
    int batchSize();
}
