package io.cachepatterns.shared.invalidation;

import io.smallrye.mutiny.Uni;

/**
 * Something in Redis that a committed change must reach: a cache whose entry it makes wrong, or a channel on which
 * it is announced. The outbox ({@code shared/database}) records {@link Invalidation}s by target name in the change's
 * transaction and calls {@link #deliver} until it succeeds.
 */
public interface InvalidationTarget {

    /** The name the outbox stores: unique among a service's targets. */
    String targetName();

    /**
     * Applies the change to Redis for {@code id}: deletes the entry (voiding any load under way) or publishes the
     * announcement. Idempotent. Fails when Redis did not take it, so that the caller tries again; unlike the
     * patterns' {@code invalidate}, which never fails.
     */
    Uni<Void> deliver(String id);

    /**
     * Delivers what the outbox recorded. Targets whose entries carry versions use the committed version; the others
     * ignore it and {@link #deliver(String) deliver} the id.
     */
    default Uni<Void> deliver(Invalidation invalidation) {
        return deliver(invalidation.id());
    }

    /** What to record in the change's transaction. */
    default Invalidation invalidationOf(String id) {
        return new Invalidation(targetName(), id);
    }
}
