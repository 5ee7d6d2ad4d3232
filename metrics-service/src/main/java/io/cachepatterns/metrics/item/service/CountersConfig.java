package io.cachepatterns.metrics.item.service;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

@ConfigMapping(prefix = "counters")
public interface CountersConfig {

    /** false: each increment is a direct database update, for comparison. */
    @WithDefault("true")
    boolean writeBehind();

    /** How long a graceful shutdown may spend flushing what is left; the log keeps the rest. */
    @WithDefault("10s")
    Duration shutdownFlush();
}
