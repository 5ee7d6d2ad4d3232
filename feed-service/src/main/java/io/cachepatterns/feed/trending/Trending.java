package io.cachepatterns.feed.trending;

import io.cachepatterns.feed.product.ProductSummary;
import java.time.Instant;
import java.util.List;

/** The most-viewed products, most first, as cached; {@code /trending?limit=} serves a prefix of it. */
public record Trending(List<Entry> items, Instant generatedAt) {

    public record Entry(ProductSummary product, long views) {
    }
}
