package io.cachepatterns.catalog.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.math.BigDecimal;

@ConfigMapping(prefix = "catalog")
public interface CatalogConfig {

    /** The discount shown when the {@code show-discounts} flag is on, in percent. */
    @WithDefault("10")
    BigDecimal discountPercent();

    /** The Redis channel on which every product change is announced, after its commit, to services that copy them. */
    @WithDefault("catalog:product-changes")
    String productChangesChannel();
}
