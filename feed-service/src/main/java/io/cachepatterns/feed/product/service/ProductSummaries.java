package io.cachepatterns.feed.product.service;

import io.cachepatterns.feed.product.ProductSummary;
import io.cachepatterns.feed.product.client.CatalogClient;
import io.cachepatterns.shared.patterns.CacheRead;
import io.cachepatterns.shared.patterns.Caches;
import io.cachepatterns.shared.patterns.ReadThrough;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.eclipse.microprofile.rest.client.inject.RestClient;

/**
 * The one read path for product summaries: a read-through cache that owns its loader (catalog-service), shared by
 * the feed, the trending list and {@code /summaries/{id}}. A summary changed in the catalog is stale here for at most
 * the cache's TTL.
 */
@ApplicationScoped
public class ProductSummaries {

    public static final String CACHE = "product-summaries";

    private final ReadThrough<ProductSummary> cache;

    public ProductSummaries(@RestClient CatalogClient catalog, Caches caches) {
        this.cache = caches.readThrough(CACHE, ProductSummary.class,
                id -> catalog.withIds(id).map(page -> page.items().isEmpty() ? null : page.items().get(0)),
                ids -> catalog.withIds(String.join(",", ids)).map(page -> page.items().stream()
                        .collect(Collectors.toMap(summary -> String.valueOf(summary.id()), Function.identity()))));
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

    /** Call when {@code id} changed in the catalog, to end its staleness before its TTL does. */
    public Uni<Void> invalidate(long id) {
        return cache.invalidate(String.valueOf(id));
    }

    /** The summaries by id, for call sites that join them with something else. */
    public Uni<Map<Long, ProductSummary>> byId(Collection<Long> ids) {
        return getAll(ids).map(found -> found.stream()
                .collect(Collectors.toMap(ProductSummary::id, Function.identity(), (a, b) -> a,
                        java.util.LinkedHashMap::new)));
    }
}
