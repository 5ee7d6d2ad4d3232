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
        HttpRequest.Builder request = HttpRequest.newBuilder(stack.service(service).uri(path))
                .timeout(Duration.ofSeconds(10))
                .method(method, json == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(json));
        if (json != null) {
            request.header("content-type", "application/json");
        }
        if (token != null) {
            request.header("authorization", "Bearer " + token);
        }
        try {
            return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(method + " " + path + " at " + service, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
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
