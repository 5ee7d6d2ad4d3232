package io.cachepatterns.metrics.leaderboard.rest;

import io.cachepatterns.metrics.leaderboard.service.LeaderboardService;
import io.cachepatterns.metrics.leaderboard.service.ScoreInput;
import io.cachepatterns.shared.auth.RequiresTrusted;
import io.cachepatterns.shared.patterns.SortedSetWriteThrough.Ranked;
import io.cachepatterns.shared.problem.Params;
import io.cachepatterns.shared.problem.ProblemException;
import io.smallrye.mutiny.Uni;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import org.jboss.resteasy.reactive.RestPath;
import org.jboss.resteasy.reactive.RestQuery;

/** {@code /leaderboards}: best scores, ranked from a Redis sorted set kept write-through. */
@Path("/leaderboards/{board}")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class LeaderboardResource {

    private final LeaderboardService leaderboards;

    public LeaderboardResource(LeaderboardService leaderboards) {
        this.leaderboards = leaderboards;
    }

    /** A leaderboard's top entries. */
    public record Board(String board, List<Ranked> entries) {
    }

    /** Scores come from a trusted caller only (a game server: the {@code service} role, or an admin). */
    @POST
    @Path("/scores")
    @RequiresTrusted
    public Uni<Ranked> record(@RestPath String board, @Valid @NotNull ScoreInput input) {
        return leaderboards.record(Params.identifier("board", board), input.player(), input.score());
    }

    @GET
    public Uni<Board> top(@RestPath String board, @RestQuery String limit) {
        String name = Params.identifier("board", board);
        return leaderboards.top(name, Params.intBetween("limit", limit, 10, 1, 100))
                .map(entries -> new Board(name, entries));
    }

    @GET
    @Path("/players/{player}")
    public Uni<Ranked> player(@RestPath String board, @RestPath String player) {
        return leaderboards.rank(Params.identifier("board", board), Params.identifier("player", player))
                .map(ranked -> {
                    if (ranked == null) {
                        throw ProblemException.notFound(player + " has no score on " + board);
                    }
                    return ranked;
                });
    }
}
