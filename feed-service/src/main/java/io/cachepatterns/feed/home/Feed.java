package io.cachepatterns.feed.home;

import io.cachepatterns.feed.product.ProductSummary;
import java.time.Instant;
import java.util.List;

/** The homepage feed as cached: the newest products with their counters, and when it was put together. */
public record Feed(List<Entry> items, Instant generatedAt) {

    public record Entry(ProductSummary product, long views, long likes) {
    }
}
