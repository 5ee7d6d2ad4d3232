package io.cachepatterns.shared.metrics;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The trace spans of one cache: a span per operation ({@code cache.get}, {@code cache.load},
 * {@code cache.lease.wait}, {@code write-behind.flush}), tagged {@code cache.name} and {@code cache.pattern}, with
 * {@code cache.result} (hit, miss, stale, degraded, bypass) once a read knows it.
 *
 * <p>A span is the current one from its subscription until it ends, on the caller's Vert.x context (a request's
 * own), so that what the operation starts later — a load after a miss's reply — is its child. Off a Vert.x context
 * it is current only while the work is subscribed. When tracing is off (no {@code OTEL_EXPORTER_OTLP_ENDPOINT}: the
 * SDK is disabled) no span is started at all and the work is the same pipeline as without this class.
 */
public final class CacheSpans {

    public static final AttributeKey<String> CACHE_NAME = AttributeKey.stringKey("cache.name");
    public static final AttributeKey<String> CACHE_PATTERN = AttributeKey.stringKey("cache.pattern");
    public static final AttributeKey<String> CACHE_RESULT = AttributeKey.stringKey("cache.result");

    private final Tracer tracer;
    private final String cache;
    private final String pattern;

    /** @param tracer {@code null} when tracing is off: the work then runs exactly as it would without spans */
    CacheSpans(Tracer tracer, String cache, String pattern) {
        this.tracer = tracer;
        this.cache = cache;
        this.pattern = pattern;
    }

    /** {@code work} in a span named {@code operation}. */
    public <T> Uni<T> around(String operation, Supplier<Uni<T>> work) {
        return around(operation, work, null);
    }

    /** {@code work} in a span named {@code operation}, whose {@code cache.result} is {@code result} of the item. */
    public <T> Uni<T> around(String operation, Supplier<Uni<T>> work, Function<? super T, String> result) {
        if (tracer == null) {
            return work.get();
        }
        return Uni.createFrom().deferred(() -> {
            Span span = tracer.spanBuilder(operation).setAttribute(CACHE_NAME, cache)
                    .setAttribute(CACHE_PATTERN, pattern).startSpan();
            if (!span.isRecording()) {
                return work.get();
            }
            return inSpan(span, work, result);
        });
    }

    private <T> Uni<T> inSpan(Span span, Supplier<Uni<T>> work, Function<? super T, String> result) {
        return Uni.createFrom().emitter(emitter -> {
            Context vertxContext = Vertx.currentContext();
            Scope scope = span.makeCurrent();
            AtomicBoolean ended = new AtomicBoolean();
            Runnable end = () -> {
                if (ended.compareAndSet(false, true)) {
                    if (vertxContext != null) {
                        scope.close(); // the span stayed current on the caller's context until now
                    }
                    span.end();
                }
            };
            try {
                var subscription = work.get().subscribe().with(item -> {
                    if (result != null && item != null) {
                        span.setAttribute(CACHE_RESULT, result.apply(item));
                    }
                    end.run();
                    emitter.complete(item);
                }, failure -> {
                    span.recordException(failure);
                    span.setStatus(StatusCode.ERROR, failure.getClass().getSimpleName());
                    end.run();
                    emitter.fail(failure);
                });
                emitter.onTermination(() -> {
                    if (!ended.get()) {
                        span.setAttribute("cache.cancelled", true);
                        subscription.cancel();
                        end.run();
                    }
                });
            } catch (RuntimeException e) {
                span.recordException(e);
                end.run();
                emitter.fail(e);
            } finally {
                if (vertxContext == null) {
                    scope.close(); // no request context to keep it on: current only while subscribing
                }
            }
        });
    }
}
