package io.cachepatterns.catalog.product.service;

import io.cachepatterns.catalog.config.CatalogConfig;
import io.cachepatterns.catalog.flag.service.FlagService;
import io.cachepatterns.catalog.product.Product;
import io.cachepatterns.catalog.product.repository.ProductRepository;
import io.cachepatterns.shared.invalidation.ChangeChannel;
import io.cachepatterns.shared.invalidation.Invalidation;
import io.cachepatterns.shared.outbox.Outbox;
import io.cachepatterns.shared.patterns.CacheAside;
import io.cachepatterns.shared.patterns.CacheRead;
import io.cachepatterns.shared.patterns.Caches;
import io.cachepatterns.shared.problem.DatabaseErrors;
import io.cachepatterns.shared.problem.ProblemException;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.runtime.Startup;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;

/**
 * The catalog's use of cache-aside: reads go through the {@code products} cache; a write records its invalidations
 * in its own transaction (the {@link Outbox}), which delivers them after the commit, never before, and keeps
 * delivering them until Redis has them.
 */
@Startup // its caches exist from start-up: this instance's outbox relay delivers their invalidations before a request
@ApplicationScoped
public class ProductService {

    public static final String CACHE = "products";

    private final ProductRepository repository;
    private final FlagService flags;
    private final CatalogConfig config;
    private final CacheAside<ProductView> products;
    private final ChangeChannel changes;
    private final Outbox outbox;

    public ProductService(ProductRepository repository, FlagService flags, CatalogConfig config, Caches caches,
                          Outbox outbox) {
        this.repository = repository;
        this.flags = flags;
        this.config = config;
        this.outbox = outbox;
        this.products = caches.cacheAside(CACHE, ProductView.class);
        this.changes = caches.changeChannel(config.productChangesChannel());
    }

    /**
     * The discount to show, if the {@code show-discounts} flag is on. Read on every product read, so it goes
     * through the flags' near cache: no network when warm.
     */
    public Uni<Optional<BigDecimal>> currentDiscount() {
        return flags.isEnabled(FlagService.SHOW_DISCOUNTS)
                .map(enabled -> enabled ? Optional.of(config.discountPercent()) : Optional.empty());
    }

    /** The product with its cache source; absent if there is none. */
    public Uni<CacheRead<ProductView>> find(long id) {
        return products.read(String.valueOf(id), () -> Panache.withSession(() -> repository.findProduct(id))
                .map(product -> product == null ? null : ProductView.of(product)));
    }

    public Uni<ProductPage> page(String category, int page, int size, boolean newestFirst) {
        return Panache.withSession(() -> repository.page(category, page, size, newestFirst)
                .flatMap(products -> repository.countIn(category)
                        .map(total -> new ProductPage(products.stream().map(ProductView::of).toList(), page, size,
                                total))));
    }

    /** The products with these ids that exist, in one query: for services that show many products at once. */
    public Uni<ProductPage> withIds(List<Long> ids) {
        return Panache.withSession(() -> repository.withIds(ids))
                .map(products -> new ProductPage(products.stream().map(ProductView::of).toList(), 0, ids.size(),
                        products.size()));
    }

    public Uni<ProductView> create(ProductInput input) {
        return outbox.transaction(() -> {
                    Product product = new Product();
                    apply(input, product);
                    return repository.persistAndFlush(product).map(ignored -> ProductView.of(product));
                },
                // A "no such product" marker may be cached for this id; it is wrong from now on.
                view -> List.of(products.invalidationOf(String.valueOf(view.id()))))
                .onFailure(DatabaseErrors::isUniqueViolation).transform(ProductService::skuTaken);
    }

    public Uni<ProductView> update(long id, ProductInput input) {
        return outbox.transaction(() -> repository.findForUpdate(id)
                        .onItem().ifNull().failWith(() -> ProblemException.notFound("no product " + id))
                        .call(product -> {
                            apply(input, product);
                            return repository.flush(); // raises the version now, so the answer shows the new one
                        })
                        .map(ProductView::of),
                // The cached copy, and the services that keep copies (feed-service's product summaries).
                view -> changed(id))
                .onFailure(DatabaseErrors::isUniqueViolation).transform(ProductService::skuTaken);
    }

    public Uni<Void> delete(long id) {
        return outbox.transaction(() -> repository.deleteById(id)
                        .flatMap(deleted -> deleted
                                ? Uni.createFrom().voidItem()
                                : Uni.createFrom().failure(ProblemException.notFound("no product " + id))),
                ignored -> changed(id));
    }

    private List<Invalidation> changed(long id) {
        return List.of(products.invalidationOf(String.valueOf(id)), changes.invalidationOf(String.valueOf(id)));
    }

    private static void apply(ProductInput input, Product product) {
        product.sku = input.sku();
        product.name = input.name();
        product.description = input.description();
        product.price = input.price();
        product.currency = input.currency();
        product.category = input.category();
        // PostgreSQL keeps microseconds; truncating here makes the answer equal what a later read returns.
        product.updatedAt = Instant.now().truncatedTo(ChronoUnit.MICROS);
    }


    private static Throwable skuTaken(Throwable failure) {
        return ProblemException.conflict("sku", "a product with this sku exists already");
    }

    /** One page of products, and how many there are in all. */
    public record ProductPage(List<ProductView> items, int page, int size, long total) {
    }
}
