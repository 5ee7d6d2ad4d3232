package io.cachepatterns.catalog.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.math.BigDecimal;
import java.util.Optional;

@ConfigMapping(prefix = "catalog")
public interface CatalogConfig {

    /** The bearer token that may change flags ({@code ADMIN_TOKEN}); without one, flags cannot be changed. */
    Optional<String> adminToken();

    /** The discount shown when the {@code show-discounts} flag is on, in percent. */
    @WithDefault("10")
    BigDecimal discountPercent();
}
