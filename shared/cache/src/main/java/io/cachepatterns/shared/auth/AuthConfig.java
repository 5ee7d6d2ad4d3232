package io.cachepatterns.shared.auth;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Optional;

/** {@code auth.*}: how every service checks who is calling. */
@ConfigMapping(prefix = "auth")
public interface AuthConfig {

    /**
     * {@code SESSION_SECRET}: the key of the MAC on cached sessions, the same on every service, at least 32 bytes.
     * Required: a service refuses to start without one.
     */
    Optional<String> sessionSecret();

    /** {@code ADMIN_TOKEN}: the operator's credential, accepted where {@code admin} is; none configured, none works. */
    Optional<String> adminToken();

    /** {@code PROFILE_URL}: profile-service, which owns the sessions. */
    @WithDefault("http://localhost:8082")
    String profileUrl();

    /** How long to wait for profile-service's answer about a session. */
    @WithDefault("2s")
    Duration profileTimeout();
}
