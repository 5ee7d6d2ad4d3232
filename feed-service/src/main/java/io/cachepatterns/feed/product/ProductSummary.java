package io.cachepatterns.feed.product;

import java.math.BigDecimal;

/** What the feed shows of a product: catalog-service's product, less what a list has no room for. */
public record ProductSummary(long id, String name, BigDecimal price, String currency, String category) {
}
