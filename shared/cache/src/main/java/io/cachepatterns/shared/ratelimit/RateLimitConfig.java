package io.cachepatterns.shared.ratelimit;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithParentName;
import java.time.Duration;
import java.util.Map;

/**
 * {@code rate-limit.<name>.capacity} and {@code .period}: a burst of {@code capacity} requests, then one more every
 * {@code period / capacity}. The library's defaults name the limits the services use.
 */
@ConfigMapping(prefix = "rate-limit")
public interface RateLimitConfig {

    @WithParentName
    Map<String, Limit> limits();

    interface Limit {
        int capacity();

        /** The time in which an empty bucket fills up again. */
        Duration period();

        @WithDefault("true")
        boolean enabled();
    }
}
