package io.cachepatterns.metrics.item;

import java.util.Map;

/** An item's counters. */
public record ItemCounter(String itemId, long views, long likes) {

    public static ItemCounter of(String itemId, Map<String, Long> values) {
        return new ItemCounter(itemId, values == null ? 0 : values.getOrDefault("views", 0L),
                values == null ? 0 : values.getOrDefault("likes", 0L));
    }
}
