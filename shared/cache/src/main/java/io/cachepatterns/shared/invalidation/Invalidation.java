package io.cachepatterns.shared.invalidation;

import java.util.Objects;

/**
 * One thing a committed change owes Redis: {@code id} of the {@link InvalidationTarget} named {@code target}.
 * {@code version}: the version the change committed, for a target whose entries carry one (write-through), so that
 * its delivery can refuse older versions; {@code null} for the others.
 */
public record Invalidation(String target, String id, Long version) {

    public Invalidation {
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(id, "id");
    }

    /** Without a version: the entry is deleted, the change announced. */
    public Invalidation(String target, String id) {
        this(target, id, null);
    }
}
