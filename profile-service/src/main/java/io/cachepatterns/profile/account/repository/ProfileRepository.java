package io.cachepatterns.profile.account.repository;

import io.cachepatterns.profile.account.Profile;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;

/** Profiles in PostgreSQL; reads that reach the database are counted ({@code db_queries_total{query=…}}). */
@ApplicationScoped
public class ProfileRepository implements PanacheRepositoryBase<Profile, Long> {

    public static final String QUERIES = "db.queries";

    private final Counter byIdQueries;

    public ProfileRepository(MeterRegistry registry) {
        this.byIdQueries = registry.counter(QUERIES, "query", "profile-by-id");
    }

    public Uni<Profile> findProfile(long id) {
        byIdQueries.increment();
        return findById(id);
    }

    /** Locks the row until the transaction ends, so that concurrent updates of one profile take turns. */
    public Uni<Profile> findForUpdate(long id) {
        return findById(id, LockModeType.PESSIMISTIC_WRITE);
    }

    public Uni<Profile> findByUsername(String username) {
        return find("username", username).firstResult();
    }
}
