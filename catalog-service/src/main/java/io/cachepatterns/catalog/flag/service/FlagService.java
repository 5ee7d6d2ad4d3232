package io.cachepatterns.catalog.flag.service;

import io.cachepatterns.catalog.flag.Flag;
import io.cachepatterns.catalog.flag.repository.FlagRepository;
import io.cachepatterns.shared.outbox.Outbox;
import io.cachepatterns.shared.patterns.Caches;
import io.cachepatterns.shared.patterns.NearCache;
import io.cachepatterns.shared.problem.DatabaseErrors;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.runtime.Startup;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;

/**
 * Feature flags, read on nearly every request through a near cache: a warm read costs no network at all, and a
 * change reaches every instance through Redis pub/sub.
 */
@Startup // its caches exist from start-up: this instance's outbox relay delivers their invalidations before a request
@ApplicationScoped
public class FlagService {

    public static final String CACHE = "flags";
    public static final String SHOW_DISCOUNTS = "show-discounts";

    private final FlagRepository repository;
    private final NearCache<FlagView> flags;
    private final Outbox outbox;

    public FlagService(FlagRepository repository, Caches caches, Outbox outbox) {
        this.repository = repository;
        this.outbox = outbox;
        this.flags = caches.nearCache(CACHE, FlagView.class);
    }

    /** The flag, or {@code null} if there is none. */
    public Uni<FlagView> find(String name) {
        return flags.get(name, () -> Panache.withSession(() -> repository.findFlag(name))
                .map(flag -> flag == null ? null : FlagView.of(flag)));
    }

    /** Whether the flag exists and is on; an unknown flag is off. */
    public Uni<Boolean> isEnabled(String name) {
        return find(name).map(flag -> flag != null && flag.enabled());
    }

    public Uni<List<FlagView>> all() {
        return Panache.withSession(repository::all).map(list -> list.stream().map(FlagView::of).toList());
    }

    /** Creates or changes a flag, then invalidates it on every instance, through the outbox. */
    public Uni<FlagView> set(String name, FlagChange change) {
        return outbox.transaction(() -> repository.findById(name).flatMap(existing -> {
                    Flag flag = existing != null ? existing : new Flag();
                    flag.name = name;
                    flag.enabled = change.enabled();
                    if (change.description() != null) {
                        flag.description = change.description();
                    }
                    flag.updatedAt = Instant.now().truncatedTo(ChronoUnit.MICROS);
                    return repository.persist(flag).map(FlagView::of);
                }), view -> List.of(flags.invalidationOf(name)))
                // Created by another request since this one looked: it exists now, so this one changes it.
                .onFailure(DatabaseErrors::isUniqueViolation).retry().atMost(1);
    }

}
