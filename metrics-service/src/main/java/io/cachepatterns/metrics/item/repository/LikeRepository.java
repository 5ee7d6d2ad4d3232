package io.cachepatterns.metrics.item.repository;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Who likes what, in PostgreSQL: the truth that makes a like once per user. A change of mind is recorded here
 * first, marked uncounted, and marked counted once the counter has its +1 or -1.
 */
@ApplicationScoped
public class LikeRepository {

    private static final String OWED = """
            SELECT liked, generation, counted FROM item_like WHERE item_id = $1 AND profile_id = $2
            """;

    private final Pool pool;

    public LikeRepository(Pool pool) {
        this.pool = pool;
    }

    /** A change the counter owes: +1 for a like, -1 for an unlike, named by its generation. */
    public record Owed(boolean liked, long generation) {
        public long delta() {
            return liked ? 1 : -1;
        }
    }

    /**
     * What {@link #change} answers: either the earlier change the counter is still owed, and then nothing was changed
     * (settle it, then ask again), or the change just made (or {@code null} when the user's choice was already so).
     */
    public record Change(Owed unsettled, Owed made) {
    }

    /**
     * Records the user's choice, taking turns with the same user's other requests for the item on the row lock. A
     * change is made only when the previous one has been counted: two uncounted changes would leave the first owed
     * under a generation the row no longer names.
     */
    public Uni<Change> change(String itemId, long profileId, boolean liked) {
        return pool.withTransaction(connection -> connection
                .preparedQuery("INSERT INTO item_like (item_id, profile_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                .execute(Tuple.of(itemId, profileId))
                .flatMap(ignored -> connection.preparedQuery(OWED + " FOR UPDATE")
                        .execute(Tuple.of(itemId, profileId)))
                .flatMap(rows -> {
                    Row row = rows.iterator().next();
                    if (!row.getBoolean("counted")) {
                        return Uni.createFrom().item(new Change(
                                new Owed(row.getBoolean("liked"), row.getLong("generation")), null));
                    }
                    if (row.getBoolean("liked") == liked) {
                        return Uni.createFrom().item(new Change(null, null));
                    }
                    return connection.preparedQuery("""
                                    UPDATE item_like SET liked = $3, generation = generation + 1, counted = false,
                                           updated_at = now()
                                     WHERE item_id = $1 AND profile_id = $2 RETURNING generation""")
                            .execute(Tuple.of(itemId, profileId, liked))
                            .map(updated -> new Change(null,
                                    new Owed(liked, updated.iterator().next().getLong("generation"))));
                }));
    }

    /** The change of {@code generation} has reached the counter. */
    public Uni<Void> counted(String itemId, long profileId, long generation) {
        return pool.preparedQuery("UPDATE item_like SET counted = true WHERE item_id = $1 AND profile_id = $2"
                        + " AND generation = $3")
                .execute(Tuple.of(itemId, profileId, generation)).replaceWithVoid();
    }

    /** Whether {@code profile} likes {@code item} now. */
    public Uni<Boolean> likes(String itemId, long profileId) {
        return pool.preparedQuery(OWED).execute(Tuple.of(itemId, profileId))
                .map(rows -> rows.iterator().hasNext() && rows.iterator().next().getBoolean("liked"));
    }
}
