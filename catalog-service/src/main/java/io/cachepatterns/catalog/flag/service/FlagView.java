package io.cachepatterns.catalog.flag.service;

import io.cachepatterns.catalog.flag.Flag;
import java.time.Instant;

/** A flag as the API shows it and as it is cached. */
public record FlagView(String name, boolean enabled, String description, Instant updatedAt) {

    public static FlagView of(Flag flag) {
        return new FlagView(flag.name, flag.enabled, flag.description, flag.updatedAt);
    }
}
