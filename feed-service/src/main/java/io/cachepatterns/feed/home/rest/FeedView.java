package io.cachepatterns.feed.home.rest;

import io.cachepatterns.feed.home.Feed;
import io.cachepatterns.shared.patterns.CacheRead;
import java.time.Instant;
import java.util.List;

/** The feed as served: {@code stale} is true when it is past its TTL because it could not be rebuilt. */
public record FeedView(List<Feed.Entry> items, Instant generatedAt, boolean stale) {

    static FeedView of(CacheRead<Feed> read) {
        Feed feed = read.value();
        return new FeedView(feed.items(), feed.generatedAt(), read.isStale());
    }
}
