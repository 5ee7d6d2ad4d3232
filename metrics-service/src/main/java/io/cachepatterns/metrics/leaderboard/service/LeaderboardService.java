package io.cachepatterns.metrics.leaderboard.service;

import io.cachepatterns.metrics.leaderboard.repository.ScoreRepository;
import io.cachepatterns.shared.patterns.Caches;
import io.cachepatterns.shared.patterns.SortedSetWriteThrough;
import io.cachepatterns.shared.patterns.SortedSetWriteThrough.Ranked;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;

/** Leaderboards: best scores committed to PostgreSQL, then ranked in a Redis sorted set (write-through). */
@ApplicationScoped
public class LeaderboardService {

    public static final String CACHE = "leaderboards";

    private final ScoreRepository repository;
    private final SortedSetWriteThrough boards;

    public LeaderboardService(ScoreRepository repository, Caches caches) {
        this.repository = repository;
        this.boards = caches.sortedSetWriteThrough(CACHE);
    }

    /** Records a score; answers the player's best score and rank. */
    public Uni<Ranked> record(String board, String player, long score) {
        return boards.write(board, player, () -> repository.keepBest(board, player, score))
                .flatMap(best -> rank(board, player));
    }

    public Uni<List<Ranked>> top(String board, int limit) {
        return boards.top(board, limit, () -> repository.all(board));
    }

    /** The player's rank, or {@code null} if the player has no score on this board. */
    public Uni<Ranked> rank(String board, String player) {
        return boards.rank(board, player, () -> repository.all(board));
    }
}
