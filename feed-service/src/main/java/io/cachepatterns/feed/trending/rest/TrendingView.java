package io.cachepatterns.feed.trending.rest;

import io.cachepatterns.feed.trending.Trending;
import io.cachepatterns.shared.patterns.CacheRead;
import java.time.Instant;
import java.util.List;

/** The first {@code limit} of the trending list; {@code stale} as in the feed. */
public record TrendingView(List<Trending.Entry> items, Instant generatedAt, boolean stale) {

    static TrendingView of(CacheRead<Trending> read, int limit) {
        Trending trending = read.value();
        List<Trending.Entry> items = trending.items();
        return new TrendingView(items.subList(0, Math.min(limit, items.size())), trending.generatedAt(),
                read.isStale());
    }
}
