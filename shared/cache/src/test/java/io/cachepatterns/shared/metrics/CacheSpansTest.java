package io.cachepatterns.shared.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.cachepatterns.shared.config.CacheConfig;
import io.cachepatterns.shared.core.JsonCodec;
import io.cachepatterns.shared.core.KeySpace;
import io.cachepatterns.shared.core.RedisAnswers;
import io.cachepatterns.shared.core.RedisStore;
import io.cachepatterns.shared.patterns.CacheAside;
import io.cachepatterns.testsupport.RealServersResource;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.smallrye.common.vertx.VertxContext;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * The spans a cache read leaves, as a trace backend would receive them: a read inside a request's span is a
 * {@code cache.get} span under it, tagged with the cache, the pattern and the result; a miss's load is its child.
 */
@QuarkusTest
@WithTestResource(RealServersResource.class)
@TestProfile(CacheSpansTest.TracingOn.class)
class CacheSpansTest {

    /** The SDK on, as where OTEL_EXPORTER_OTLP_ENDPOINT is set; the spans go to {@link InMemorySpans}. */
    public static class TracingOn implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.otel.sdk.disabled", "false");
        }
    }

    @Inject
    InMemorySpanExporter exporter;

    @Inject
    Tracer tracer;

    @Inject
    Vertx vertx;

    @Inject
    ObjectMapper mapper;

    @Inject
    CacheConfig config;

    @Inject
    RedisStore store;

    @Inject
    CacheMetrics metrics;

    @Inject
    java.util.Optional<io.prometheus.client.exemplars.ExemplarSampler> exemplarSampler;

    @Test
    void withTracingOnMetersSampleExemplars() {
        assertThat(exemplarSampler).isPresent();
    }

    @Test
    void aMissIsAGetSpanUnderTheRequestWithItsLoadAsAChildAndAHitHasNoLoad() throws Exception {
        CacheAside<String> cache = new CacheAside<>("traced", new KeySpace("shared-test", "traced", 1),
                new JsonCodec<>(mapper, String.class), config.cache("traced").settings(), store, metrics);
        String id = UUID.randomUUID().toString();
        Supplier<Uni<String>> loader = () -> Uni.createFrom().item("value").onItem().delayIt()
                .by(Duration.ofMillis(20));
        // The first command opens the connection: done before, so that the reads below find Redis as it usually is.
        RedisAnswers.await(store, Duration.ofSeconds(15));
        exporter.reset();

        String missRequest = inRequest("request-miss", () -> cache.get(id, loader));
        String hitRequest = inRequest("request-hit", () -> cache.get(id, loader));

        List<SpanData> spans = awaitSpans(List.of("request-miss", "request-hit", "cache.get", "cache.get", "cache.load"));
        SpanData missGet = child(spans, missRequest, "cache.get");
        assertEquals("traced", missGet.getAttributes().get(CacheSpans.CACHE_NAME));
        assertEquals("cache-aside", missGet.getAttributes().get(CacheSpans.CACHE_PATTERN));
        assertEquals("miss", missGet.getAttributes().get(CacheSpans.CACHE_RESULT));
        SpanData load = child(spans, missGet.getSpanId(), "cache.load");
        assertThat(load.getEndEpochNanos()).isLessThanOrEqualTo(missGet.getEndEpochNanos());

        SpanData hitGet = child(spans, hitRequest, "cache.get");
        assertEquals("hit", hitGet.getAttributes().get(CacheSpans.CACHE_RESULT));
        assertThat(spans).as("a hit loads nothing").noneMatch(span -> span.getName().equals("cache.load")
                && span.getParentSpanId().equals(hitGet.getSpanId()));
        // The Redis commands (Quarkus' own client spans) are children of the cache span that sent them.
        assertThat(spans).anyMatch(span -> span.getName().equals("get")
                && span.getParentSpanId().equals(hitGet.getSpanId()));
    }

    /** Runs {@code read} on a request's own (duplicated) Vert.x context inside a span; answers the span's id. */
    private String inRequest(String name, Supplier<Uni<String>> read) throws Exception {
        CompletableFuture<String> spanId = new CompletableFuture<>();
        VertxContext.createNewDuplicatedContext(vertx.getOrCreateContext()).runOnContext(ignored -> {
            Span request = tracer.spanBuilder(name).startSpan();
            Scope scope = request.makeCurrent();
            read.get().subscribe().with(value -> {
                scope.close();
                request.end();
                spanId.complete(request.getSpanContext().getSpanId());
            }, spanId::completeExceptionally);
        });
        return spanId.get(10, TimeUnit.SECONDS);
    }

    /** The finished spans, once those named are among them (a name twice: two of them), or after 10 s. */
    private List<SpanData> awaitSpans(List<String> names) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            List<String> exported = exporter.getFinishedSpanItems().stream().map(SpanData::getName).toList();
            if (names.stream().distinct().allMatch(name -> exported.stream().filter(name::equals).count()
                    >= names.stream().filter(name::equals).count())) {
                break;
            }
            Thread.sleep(20);
        }
        return exporter.getFinishedSpanItems();
    }

    private static SpanData child(List<SpanData> spans, String parentId, String name) {
        return spans.stream().filter(span -> span.getName().equals(name) && span.getParentSpanId().equals(parentId))
                .findFirst().orElseThrow(() -> new AssertionError("no " + name + " under " + parentId + " in "
                        + spans.stream().map(span -> span.getName() + "(" + span.getSpanId() + " <- "
                                + span.getParentSpanId() + ")").toList()));
    }
}
