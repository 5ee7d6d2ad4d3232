package io.cachepatterns.metrics.leaderboard.service;

import io.cachepatterns.shared.problem.Params;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;

/** A score to record. */
public record ScoreInput(
        @NotNull @Pattern(regexp = Params.IDENTIFIER, message = Params.IDENTIFIER_RULE) String player,
        @NotNull @Min(0) @Max(1_000_000_000_000L) Long score) {
}
