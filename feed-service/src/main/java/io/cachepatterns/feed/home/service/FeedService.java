package io.cachepatterns.feed.home.service;

import io.cachepatterns.feed.config.FeedConfig;
import io.cachepatterns.feed.home.Feed;
import io.cachepatterns.feed.item.ItemStats;
import io.cachepatterns.feed.item.client.MetricsClient;
import io.cachepatterns.feed.product.ProductSummary;
import io.cachepatterns.feed.product.client.CatalogClient;
import io.cachepatterns.feed.product.service.ProductSummaries;
import io.cachepatterns.shared.patterns.CacheRead;
import io.cachepatterns.shared.patterns.Caches;
import io.cachepatterns.shared.patterns.RefreshAhead;
import io.cachepatterns.shared.problem.ProblemException;
import io.quarkus.runtime.Startup;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.faulttolerance.Fallback;
import org.eclipse.microprofile.faulttolerance.Timeout;
import org.eclipse.microprofile.rest.client.inject.RestClient;

/**
 * The homepage feed: one hot key read by every visitor, cached refresh-ahead so that nobody waits for it to be
 * rebuilt. While catalog-service or metrics-service is down, the last good feed is served (stale once past its TTL).
 */
@Startup // built at start-up, so that its hot key is loaded before the first visitor
@ApplicationScoped
public class FeedService {

    public static final String CACHE = "feed";
    static final String HOME = "home";

    private final RefreshAhead<Feed> cache;
    private final CatalogClient catalog;
    private final MetricsClient metrics;
    private final ProductSummaries summaries;
    private final FeedConfig config;

    public FeedService(Caches caches, @RestClient CatalogClient catalog, @RestClient MetricsClient metrics,
                       ProductSummaries summaries, FeedConfig config) {
        this.catalog = catalog;
        this.metrics = metrics;
        this.summaries = summaries;
        this.config = config;
        this.cache = caches.refreshAhead(CACHE, Feed.class, ignored -> build());
        if (config.keepHot()) {
            cache.keepHot(HOME);
        }
    }

    /** The feed and where it came from; a 503 problem only when none is cached and it cannot be built. */
    @Timeout(3000)
    @Fallback(fallbackMethod = "noFeed")
    public Uni<CacheRead<Feed>> home() {
        return cache.read(HOME);
    }

    Uni<CacheRead<Feed>> noFeed() {
        return Uni.createFrom().failure(ProblemException.unavailable(
                "no feed is cached, and catalog-service or metrics-service cannot be reached to build one"));
    }

    /** Drops the cached feed (and voids a rebuild under way); a hot feed is rebuilt at once. */
    public Uni<Void> invalidate() {
        return cache.invalidate(HOME);
    }

    /**
     * The catalog says which products are newest; their summaries come through the read-through cache that every
     * list here shares, so a summary is fetched once whichever list shows it; then their counters, in one request.
     */
    private Uni<Feed> build() {
        return catalog.newest("newest", config.size())
                .map(page -> page.items().stream().map(ProductSummary::id).toList())
                .flatMap(summaries::getAll)
                .flatMap(this::withCounters)
                .map(entries -> new Feed(entries, Instant.now()));
    }

    private Uni<List<Feed.Entry>> withCounters(List<ProductSummary> products) {
        if (products.isEmpty()) {
            return Uni.createFrom().item(List.of());
        }
        String ids = products.stream().map(product -> String.valueOf(product.id()))
                .collect(java.util.stream.Collectors.joining(","));
        return metrics.stats(ids).map(stats -> {
            Map<String, ItemStats> byId = stats.stream()
                    .collect(java.util.stream.Collectors.toMap(ItemStats::itemId, s -> s, (a, b) -> a));
            return products.stream().map(product -> {
                ItemStats counted = byId.get(String.valueOf(product.id()));
                return new Feed.Entry(product, counted == null ? 0 : counted.views(),
                        counted == null ? 0 : counted.likes());
            }).toList();
        });
    }
}
