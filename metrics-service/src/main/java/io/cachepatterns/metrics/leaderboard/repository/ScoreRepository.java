package io.cachepatterns.metrics.leaderboard.repository;

import io.cachepatterns.shared.patterns.SortedSetWriteThrough.Scored;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.List;

/** Players' best scores in PostgreSQL. */
@ApplicationScoped
public class ScoreRepository {

    private static final String KEEP_BEST = """
            INSERT INTO leaderboard_score (board, player, score) VALUES ($1, $2, $3)
            ON CONFLICT (board, player) DO UPDATE
               SET score = GREATEST(leaderboard_score.score, EXCLUDED.score), updated_at = now()
            RETURNING score
            """;

    private final Pool pool;

    public ScoreRepository(Pool pool) {
        this.pool = pool;
    }

    /** Records a score and answers the player's best, which is what counts. */
    public Uni<Long> keepBest(String board, String player, long score) {
        return pool.preparedQuery(KEEP_BEST).execute(Tuple.of(board, player, score))
                .map(rows -> rows.iterator().next().getLong("score"));
    }

    public Uni<List<Scored>> all(String board) {
        return pool.preparedQuery("SELECT player, score FROM leaderboard_score WHERE board = $1")
                .execute(Tuple.of(board))
                .map(rows -> {
                    List<Scored> scores = new ArrayList<>();
                    for (Row row : rows) {
                        scores.add(new Scored(row.getString("player"), row.getLong("score")));
                    }
                    return scores;
                });
    }
}
