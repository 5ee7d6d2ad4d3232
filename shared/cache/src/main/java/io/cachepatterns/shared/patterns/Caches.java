package io.cachepatterns.shared.patterns;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.cachepatterns.shared.config.CacheConfig;
import io.cachepatterns.shared.core.JsonCodec;
import io.cachepatterns.shared.core.KeySpace;
import io.cachepatterns.shared.core.RedisStore;
import io.cachepatterns.shared.metrics.CacheMetrics;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Where services get their caches: each one named, configured under {@code cache.<name>.*}, its keys namespaced by
 * the application's name ({@code quarkus.application.name}).
 */
@ApplicationScoped
public class Caches {

    private final String service;
    private final CacheConfig config;
    private final RedisStore store;
    private final CacheMetrics metrics;
    private final ObjectMapper mapper;

    public Caches(@ConfigProperty(name = "quarkus.application.name") String service, CacheConfig config,
                  RedisStore store, CacheMetrics metrics, ObjectMapper mapper) {
        this.service = service;
        this.config = config;
        this.store = store;
        this.metrics = metrics;
        this.mapper = mapper;
    }

    /** A cache-aside cache of JSON values of {@code type}. Call once per cache, at start-up. */
    public <T> CacheAside<T> cacheAside(String name, Class<T> type) {
        CacheConfig.CacheSpec spec = config.cache(name);
        return new CacheAside<>(name, new KeySpace(service, name, spec.schemaVersion()),
                new JsonCodec<>(mapper, type), spec.settings(), store, metrics);
    }
}
