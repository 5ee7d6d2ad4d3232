package io.cachepatterns.feed.trending.service;

import io.cachepatterns.feed.config.FeedConfig;
import io.cachepatterns.feed.item.ItemStats;
import io.cachepatterns.feed.item.client.MetricsClient;
import io.cachepatterns.feed.product.ProductSummary;
import io.cachepatterns.feed.product.service.ProductSummaries;
import io.cachepatterns.feed.trending.Trending;
import io.cachepatterns.shared.patterns.CacheRead;
import io.cachepatterns.shared.patterns.Caches;
import io.cachepatterns.shared.patterns.RefreshAhead;
import io.cachepatterns.shared.problem.ProblemException;
import io.quarkus.runtime.Startup;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.faulttolerance.Fallback;
import org.eclipse.microprofile.faulttolerance.Timeout;
import org.eclipse.microprofile.rest.client.inject.RestClient;

/**
 * The trending list: the most-viewed items that are products, with their summaries. One hot key, cached
 * refresh-ahead like the feed; the summaries come through the same read-through cache as the feed's.
 */
@Startup // built at start-up, so that its hot key is loaded before the first visitor
@ApplicationScoped
public class TrendingService {

    public static final String CACHE = "trending";
    static final String MOST_VIEWED = "most-viewed";

    private final RefreshAhead<Trending> cache;
    private final MetricsClient metrics;
    private final ProductSummaries summaries;
    private final FeedConfig config;

    public TrendingService(Caches caches, @RestClient MetricsClient metrics, ProductSummaries summaries,
                           FeedConfig config) {
        this.metrics = metrics;
        this.summaries = summaries;
        this.config = config;
        this.cache = caches.refreshAhead(CACHE, Trending.class, ignored -> build());
        if (config.keepHot()) {
            cache.keepHot(MOST_VIEWED);
        }
    }

    @Timeout(3000)
    @Fallback(fallbackMethod = "noTrending")
    public Uni<CacheRead<Trending>> mostViewed() {
        return cache.read(MOST_VIEWED);
    }

    Uni<CacheRead<Trending>> noTrending() {
        return Uni.createFrom().failure(ProblemException.unavailable(
                "no trending list is cached, and metrics-service or catalog-service cannot be reached to build one"));
    }

    public Uni<Void> invalidate() {
        return cache.invalidate(MOST_VIEWED);
    }

    /** Counters come first; items that are not (or no longer) products are left out. */
    private Uni<Trending> build() {
        return metrics.top("views", config.trendingSize()).flatMap(top -> {
            List<Long> ids = top.stream().map(TrendingService::productId).filter(id -> id > 0).toList();
            return summaries.byId(ids).map(products -> {
                List<Trending.Entry> entries = new ArrayList<>();
                for (ItemStats stats : top) {
                    ProductSummary product = products.get(productId(stats));
                    if (product != null) {
                        entries.add(new Trending.Entry(product, stats.views()));
                    }
                }
                return new Trending(entries, Instant.now());
            });
        });
    }

    /** A product's item id is its product id; anything else (a banner, an article) is not a product: -1. */
    private static long productId(ItemStats stats) {
        try {
            return Long.parseLong(stats.itemId());
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
