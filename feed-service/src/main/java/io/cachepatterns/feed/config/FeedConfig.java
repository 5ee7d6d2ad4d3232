package io.cachepatterns.feed.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** feed-service's own settings; its caches are configured under {@code cache.<name>.*}. */
@ConfigMapping(prefix = "feed")
public interface FeedConfig {

    /** How many of the newest products the homepage feed shows. */
    @WithDefault("20")
    int size();

    /** How many items the trending list keeps; {@code /trending?limit=} serves up to this many. */
    @WithDefault("50")
    int trendingSize();

    /**
     * Whether the feed and the trending list are kept hot (reloaded on schedule, read or not). Off, with
     * {@code cache.feed.refresh-factor=1} and no stale grace, the feed cache behaves as plain cache-aside: the
     * benchmark's comparison.
     */
    @WithDefault("true")
    boolean keepHot();

    /** catalog-service's channel of product changes: each id received drops that product's cached summary. */
    @WithDefault("catalog:product-changes")
    String productChangesChannel();
}
