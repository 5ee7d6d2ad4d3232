package io.cachepatterns.shared.invalidation;

import java.util.Objects;

/** One thing a committed change owes Redis: {@code id} of the {@link InvalidationTarget} named {@code target}. */
public record Invalidation(String target, String id) {

    public Invalidation {
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(id, "id");
    }
}
