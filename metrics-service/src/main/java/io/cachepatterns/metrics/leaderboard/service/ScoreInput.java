package io.cachepatterns.metrics.leaderboard.service;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;

/** A score to record. */
public record ScoreInput(
        @NotNull @Pattern(regexp = "[A-Za-z0-9._-]{1,64}",
                message = "must be 1 to 64 of letters, digits, '.', '_' and '-'") String player,
        @NotNull @Min(0) @Max(1_000_000_000_000L) Long score) {
}
