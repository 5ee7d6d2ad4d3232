package io.cachepatterns.bench.report;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * Requests one at a time with their latencies, or many at once: how the report measures what one client sees, as
 * opposed to the throughput benchmarks' closed loops.
 */
final class HttpProbe {

    /** A request's answer: status, {@code X-Cache} header, body, and how long it took. */
    record Answer(int status, String source, String body, long micros) {

        /** This answer, if its status is {@code expected}; else the run stops, saying what came instead. */
        Answer expect(int expected) {
            if (status != expected) {
                throw new IllegalStateException("expected " + expected + ", got " + status + ": " + body);
            }
            return this;
        }
    }

    // HTTP/1.1, as the services are called: one connection per request in flight, no h2c upgrade.
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final String authorization;

    /** @param authorization sent with writes ({@code Bearer …}), or {@code null} */
    HttpProbe(String authorization) {
        this.authorization = authorization;
    }

    Answer get(URI uri) {
        return send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).GET().build());
    }

    Answer put(URI uri, String json) {
        return withBody("PUT", uri, json, authorization);
    }

    /** A PUT as someone else than this probe's caller (a profile's owner, say). */
    Answer put(URI uri, String json, String authorization) {
        return withBody("PUT", uri, json, authorization);
    }

    Answer post(URI uri, String json) {
        return withBody("POST", uri, json, authorization);
    }

    private Answer withBody(String method, URI uri, String json, String authorization) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10))
                .header("content-type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(json));
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return send(request.build());
    }

    /** {@code count} GETs of {@code uri} sent at once; their answers. */
    List<Answer> getsAtOnce(URI uri, int count) {
        return getsAtOnce(java.util.Collections.nCopies(count, uri));
    }

    /** A GET of each of {@code uris}, all sent at once; their answers, in the same order. */
    List<Answer> getsAtOnce(List<URI> uris) {
        List<CompletableFuture<Answer>> answers = new ArrayList<>();
        for (URI uri : uris) {
            long start = System.nanoTime();
            answers.add(client.sendAsync(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).GET().build(),
                    HttpResponse.BodyHandlers.ofString()).thenApply(response -> answer(response, start)));
        }
        return answers.stream().map(CompletableFuture::join).toList();
    }

    /** A histogram of microseconds. */
    static Histogram histogram() {
        return new Histogram(TimeUnit.SECONDS.toMicros(60), 3);
    }

    private Answer send(HttpRequest request) {
        long start = System.nanoTime();
        try {
            return answer(client.send(request, HttpResponse.BodyHandlers.ofString()), start);
        } catch (IOException e) {
            return new Answer(-1, "-", e.toString(), (System.nanoTime() - start) / 1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static Answer answer(HttpResponse<String> response, long start) {
        return new Answer(response.statusCode(), response.headers().firstValue("X-Cache").orElse("-"),
                response.body(), (System.nanoTime() - start) / 1000);
    }
}
