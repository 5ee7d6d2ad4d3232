package io.cachepatterns.catalog.product.repository;

import io.cachepatterns.catalog.product.Product;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.quarkus.panache.common.Page;
import io.quarkus.panache.common.Sort;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;
import java.util.List;

/**
 * Products in PostgreSQL. Each read that reaches the database is counted ({@code db_queries_total{query=…}}): the
 * number that shows what the cache saves, and what the tests assert on.
 */
@ApplicationScoped
public class ProductRepository implements PanacheRepositoryBase<Product, Long> {

    public static final String QUERIES = "db.queries";

    private final Counter findByIdQueries;
    private final Counter pageQueries;

    public ProductRepository(MeterRegistry registry) {
        this.findByIdQueries = registry.counter(QUERIES, "query", "product-by-id");
        this.pageQueries = registry.counter(QUERIES, "query", "product-page");
    }

    public Uni<Product> findProduct(long id) {
        findByIdQueries.increment();
        return findById(id);
    }

    /**
     * The product, its row locked until the transaction ends: concurrent updates of one product wait for each other
     * instead of failing the version check one after another.
     */
    public Uni<Product> findForUpdate(long id) {
        return findById(id, LockModeType.PESSIMISTIC_WRITE);
    }

    public Uni<List<Product>> page(String category, int page, int size, boolean newestFirst) {
        pageQueries.increment();
        Sort byId = newestFirst ? Sort.by("id", Sort.Direction.Descending) : Sort.by("id");
        var query = category == null ? findAll(byId) : find("category", byId, category);
        return query.page(Page.of(page, size)).list();
    }

    public Uni<List<Product>> withIds(List<Long> ids) {
        pageQueries.increment();
        return list("id in ?1", Sort.by("id"), ids);
    }

    public Uni<Long> countIn(String category) {
        return category == null ? count() : count("category", category);
    }
}
