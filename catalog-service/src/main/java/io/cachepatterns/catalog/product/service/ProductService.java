package io.cachepatterns.catalog.product.service;

import io.cachepatterns.catalog.config.CatalogConfig;
import io.cachepatterns.catalog.flag.service.FlagService;
import io.cachepatterns.catalog.product.Product;
import io.cachepatterns.catalog.product.repository.ProductRepository;
import io.cachepatterns.shared.invalidation.ChangeChannel;
import io.cachepatterns.shared.patterns.CacheAside;
import io.cachepatterns.shared.patterns.CacheRead;
import io.cachepatterns.shared.patterns.Caches;
import io.cachepatterns.shared.problem.DatabaseErrors;
import io.cachepatterns.shared.problem.ProblemException;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;

/**
 * The catalog's use of cache-aside: reads go through the {@code products} cache; writes commit to PostgreSQL and
 * then invalidate, never the other way round.
 */
@ApplicationScoped
public class ProductService {

    public static final String CACHE = "products";

    private final ProductRepository repository;
    private final FlagService flags;
    private final CatalogConfig config;
    private final CacheAside<ProductView> products;
    private final ChangeChannel changes;

    public ProductService(ProductRepository repository, FlagService flags, CatalogConfig config, Caches caches) {
        this.repository = repository;
        this.flags = flags;
        this.config = config;
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
        return Panache.withTransaction(() -> {
                    Product product = new Product();
                    apply(input, product);
                    return repository.persistAndFlush(product).map(ignored -> ProductView.of(product));
                })
                .onFailure(DatabaseErrors::isUniqueViolation).transform(ProductService::skuTaken)
                // A "no such product" marker may be cached for this id; it is wrong from now on.
                .call(view -> products.invalidate(String.valueOf(view.id())));
    }

    public Uni<ProductView> update(long id, ProductInput input) {
        return Panache.withTransaction(() -> repository.findById(id)
                        .onItem().ifNull().failWith(() -> ProblemException.notFound("no product " + id))
                        .call(product -> {
                            apply(input, product);
                            return repository.flush(); // raises the version now, so the answer shows the new one
                        })
                        .map(ProductView::of))
                .onFailure(DatabaseErrors::isUniqueViolation).transform(ProductService::skuTaken)
                // After the commit, never before: before, a concurrent read could cache the old row again.
                .call(view -> products.invalidate(String.valueOf(id)))
                // Then tell the services that keep copies (feed-service's product summaries).
                .call(view -> changes.publish(String.valueOf(id)));
    }

    public Uni<Void> delete(long id) {
        return Panache.withTransaction(() -> repository.deleteById(id))
                .flatMap(deleted -> deleted
                        ? products.invalidate(String.valueOf(id)).call(() -> changes.publish(String.valueOf(id)))
                        : Uni.createFrom().failure(ProblemException.notFound("no product " + id)));
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
