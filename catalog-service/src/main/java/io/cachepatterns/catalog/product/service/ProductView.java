package io.cachepatterns.catalog.product.service;

import io.cachepatterns.catalog.product.Product;
import java.math.BigDecimal;
import java.time.Instant;

/** A product as the API shows it, and as it is cached: the same JSON, so a hit is sent on as it is. */
public record ProductView(long id, String sku, String name, String description, BigDecimal price, String currency,
                          String category, long version, Instant updatedAt) {

    public static ProductView of(Product product) {
        return new ProductView(product.id, product.sku, product.name, product.description, product.price,
                product.currency, product.category, product.version, product.updatedAt);
    }
}
