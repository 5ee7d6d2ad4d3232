package io.cachepatterns.catalog.flag.repository;

import io.cachepatterns.catalog.flag.Flag;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.quarkus.panache.common.Sort;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;

/** Flags in PostgreSQL; reads of one flag that reach the database are counted. */
@ApplicationScoped
public class FlagRepository implements PanacheRepositoryBase<Flag, String> {

    private final Counter byNameQueries;

    public FlagRepository(MeterRegistry registry) {
        this.byNameQueries = registry.counter("db.queries", "query", "flag-by-name");
    }

    public Uni<Flag> findFlag(String name) {
        byNameQueries.increment();
        return findById(name);
    }

    public Uni<List<Flag>> all() {
        return listAll(Sort.by("name"));
    }
}
