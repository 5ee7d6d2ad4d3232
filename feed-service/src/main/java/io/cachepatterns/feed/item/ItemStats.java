package io.cachepatterns.feed.item;

/** An item's counters as metrics-service reports them; a product's item id is its product id. */
public record ItemStats(String itemId, long views, long likes) {
}
