package io.cachepatterns.catalog.flag.service;

import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;

/** What an admin sends to set a flag; a description is kept if none is sent. */
public record FlagChange(@NotNull Boolean enabled, @Size(max = 500) String description) {
}
