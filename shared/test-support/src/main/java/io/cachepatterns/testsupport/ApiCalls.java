package io.cachepatterns.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The services of a running {@link LocalStack} called as their clients call them (a JSON body, a bearer token), and
 * the fields of their JSON answers: for the seed data, the end-to-end scenario and the fuzz test's set-up.
 */
public final class ApiCalls {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private ApiCalls() {
    }

    /** {@code method path} at {@code service}; {@code json} the body (none if null), {@code token} a bearer token. */
    public static HttpResponse<String> call(LocalStack stack, String service, String method, String path, String json,
                                            String token) {
        try {
            return HTTP.send(request(method, stack.service(service).uri(path), json, token, Duration.ofSeconds(10)),
                    HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(method + " " + path + " at " + service, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * A request as the services' clients send one: {@code json} the body (none if null) and its content type,
     * {@code token} a bearer token (none if null), then {@code headers} as name, value, name, value…
     */
    public static HttpRequest request(String method, java.net.URI uri, String json, String token, Duration timeout,
                                      String... headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(timeout)
                .method(method, json == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(json));
        if (json != null) {
            request.header("content-type", "application/json");
        }
        if (token != null) {
            request.header("authorization", "Bearer " + token);
        }
        for (int i = 0; i + 1 < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return request.build();
    }

    /** The first field {@code name} of a JSON answer, a number or a string; {@code null} if there is none. */
    public static String field(String json, String name) {
        Matcher matcher = Pattern.compile("\"" + Pattern.quote(name) + "\":(?:\"([^\"]*)\"|(-?\\d+))").matcher(json);
        if (!matcher.find()) {
            return null;
        }
        return matcher.group(1) != null ? matcher.group(1) : matcher.group(2);
    }
}
