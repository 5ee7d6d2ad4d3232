package io.cachepatterns.catalog.flag;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import java.time.Instant;

/** A feature flag, as stored in PostgreSQL. */
@Entity
public class Flag extends PanacheEntityBase {

    @Id
    @Column(length = 64)
    public String name;

    @Column(nullable = false)
    public boolean enabled;

    @Column(length = 500)
    public String description;

    @Column(name = "updated_at", nullable = false)
    public Instant updatedAt;
}
