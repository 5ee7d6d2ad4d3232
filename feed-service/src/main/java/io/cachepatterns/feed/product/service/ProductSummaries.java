package io.cachepatterns.feed.product.service;

import io.cachepatterns.feed.config.FeedConfig;
import io.cachepatterns.feed.product.ProductSummary;
import io.cachepatterns.feed.product.client.CatalogClient;
import io.cachepatterns.shared.core.RedisStore.PubSubSubscription;
import io.cachepatterns.shared.patterns.CacheRead;
import io.cachepatterns.shared.patterns.Caches;
import io.cachepatterns.shared.patterns.ReadThrough;
import io.quarkus.runtime.Startup;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.eclipse.microprofile.rest.client.inject.RestClient;
import org.jboss.logging.Logger;

/**
 * The one read path for product summaries: a read-through cache that owns its loader (catalog-service), shared by
 * the feed, the trending list and {@code /summaries/{id}}.
 *
 * <p>catalog-service announces each product change on a Redis channel after its commit; the summary is dropped
 * here when the announcement arrives (milliseconds). An announcement can be lost (this instance disconnected, Redis
 * briefly unreachable): then the old summary lives at most until its TTL ends.
 */
@Startup // subscribed from start-up, so that no change is missed while nobody has asked for a summary yet
@ApplicationScoped
public class ProductSummaries {

    public static final String CACHE = "product-summaries";
    private static final Logger LOG = Logger.getLogger(ProductSummaries.class);

    private final ReadThrough<ProductSummary> cache;
    private final PubSubSubscription changes;

    public ProductSummaries(@RestClient CatalogClient catalog, Caches caches, FeedConfig config) {
        this.cache = caches.readThrough(CACHE, ProductSummary.class,
                id -> catalog.withIds(id).map(page -> page.items().isEmpty() ? null : page.items().get(0)),
                ids -> catalog.withIds(String.join(",", ids)).map(page -> page.items().stream()
                        .collect(Collectors.toMap(summary -> String.valueOf(summary.id()), Function.identity()))));
        this.changes = caches.changeChannel(config.productChangesChannel()).subscribe(
                id -> invalidate(id).subscribe().with(ignored -> { }),
                () -> LOG.infof("product changes: subscription lost; summaries changed meanwhile may be stale for up "
                        + "to their TTL"));
    }

    @PreDestroy
    void unsubscribe() {
        changes.close();
    }

    public Uni<CacheRead<ProductSummary>> read(long id) {
        return cache.read(String.valueOf(id));
    }

    /** The summaries of {@code ids} that exist, in the order given; all misses cost one catalog request. */
    public Uni<List<ProductSummary>> getAll(Collection<Long> ids) {
        if (ids.isEmpty()) {
            return Uni.createFrom().item(List.of());
        }
        return cache.getAll(ids.stream().map(String::valueOf).toList())
                .map(found -> List.copyOf(found.values()));
    }

    /** Drops the summary of {@code id}: it changed in the catalog. */
    public Uni<Void> invalidate(long id) {
        return invalidate(String.valueOf(id));
    }

    private Uni<Void> invalidate(String id) {
        try {
            return cache.invalidate(id);
        } catch (IllegalArgumentException notAnId) {
            LOG.warnf("product changes: ignored '%s', not a product id", id);
            return Uni.createFrom().voidItem();
        }
    }

    /** The summaries by id, for call sites that join them with something else. */
    public Uni<Map<Long, ProductSummary>> byId(Collection<Long> ids) {
        return getAll(ids).map(found -> found.stream()
                .collect(Collectors.toMap(ProductSummary::id, Function.identity(), (a, b) -> a,
                        java.util.LinkedHashMap::new)));
    }
}
