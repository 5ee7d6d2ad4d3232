package io.cachepatterns.profile.session.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

@ConfigMapping(prefix = "session")
public interface SessionConfig {

    /** How long a session lasts from login. */
    @WithDefault("PT1H")
    Duration lifetime();
}
