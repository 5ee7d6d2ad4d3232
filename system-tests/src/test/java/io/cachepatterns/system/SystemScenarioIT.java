package io.cachepatterns.system;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachepatterns.testsupport.LocalStack;
import io.cachepatterns.testsupport.ServiceProcess;
import io.cachepatterns.testsupport.TestServers;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every packaged service, started the way the run command starts them (same environment contract, one Redis, one
 * PostgreSQL with a database per service), and one visitor's walk across all four: a product is created, viewed,
 * shows up in the feed and in trending; a user registers, logs in, edits the profile and reads it back.
 */
class SystemScenarioIT {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static LocalStack stack;

    @BeforeAll
    static void startEverything() {
        Path root = Path.of("..").toAbsolutePath().normalize();
        // Feeds fresh for 2 s, so that a new product reaches them within a few seconds.
        stack = LocalStack.start(root, TestServers.get(), Path.of("target/system"), service -> ServiceProcess.freePort(),
                Map.of("FEED_CACHE_TTL", "2s"));
    }

    @AfterAll
    static void stopEverything() {
        if (stack != null) {
            stack.close();
        }
    }

    @Test
    void aProductIsViewedAndFeaturedAndAUserEditsTheirProfile() {
        String sku = "e2e-" + UUID.randomUUID();
        HttpResponse<String> created = send("catalog", "POST", "/products", "{\"sku\":\"" + sku + "\",\"name\":"
                + "\"End-to-end kettle\",\"description\":\"walked across all services\",\"price\":49.00,"
                + "\"currency\":\"EUR\",\"category\":\"e2e\"}", null);
        assertThat(created.statusCode()).isEqualTo(201);
        String productId = field(created.body(), "id");

        for (int i = 0; i < 5; i++) {
            assertThat(send("metrics", "POST", "/items/" + productId + "/views", "", null).statusCode())
                    .isEqualTo(202);
        }
        assertThat(send("catalog", "GET", "/products/" + productId, null, null).headers().firstValue("X-Cache"))
                .hasValue("MISS");
        assertThat(send("catalog", "GET", "/products/" + productId, null, null).headers().firstValue("X-Cache"))
                .hasValue("HIT");

        // The feed is rebuilt every second or so: soon it holds the product with all five views.
        Pattern withViews = Pattern.compile("\"id\":" + productId + ",[^}]*},\"views\":5,");
        String feed = await("feed", "/feed", body -> withViews.matcher(body).find());
        assertThat(feed).contains("End-to-end kettle");
        String trending = await("feed", "/trending?limit=50", body -> body.contains("\"id\":" + productId + ","));
        assertThat(trending).contains("End-to-end kettle");

        // Renamed in the catalog: feed-service's copy (a 5-minute TTL) is dropped by the catalog's announcement.
        assertThat(send("feed", "GET", "/summaries/" + productId, null, null).body()).contains("End-to-end kettle");
        assertThat(send("catalog", "PUT", "/products/" + productId, "{\"sku\":\"" + sku + "\",\"name\":"
                + "\"End-to-end teapot\",\"description\":\"renamed\",\"price\":49.00,\"currency\":\"EUR\","
                + "\"category\":\"e2e\"}", null).statusCode()).isEqualTo(200);
        await("feed", "/summaries/" + productId, body -> body.contains("End-to-end teapot"));

        String username = "e2e_" + UUID.randomUUID().toString().substring(0, 8);
        HttpResponse<String> registered = send("profile", "POST", "/profiles", "{\"username\":\"" + username
                + "\",\"password\":\"correct-horse-1\",\"displayName\":\"Before\",\"email\":\"e2e@example.com\"}", null);
        assertThat(registered.statusCode()).isEqualTo(201);
        String profileId = field(registered.body(), "id");
        HttpResponse<String> login = send("profile", "POST", "/sessions", "{\"username\":\"" + username
                + "\",\"password\":\"correct-horse-1\"}", null);
        assertThat(login.statusCode()).isEqualTo(201);
        String token = login.body().replaceAll("(?s).*\"token\":\"([^\"]+)\".*", "$1");

        HttpResponse<String> edited = send("profile", "PUT", "/profiles/" + profileId, "{\"displayName\":\"After\","
                + "\"email\":\"e2e@example.com\",\"bio\":\"edited end to end\"}", token);
        assertThat(edited.statusCode()).isEqualTo(200);
        HttpResponse<String> readBack = send("profile", "GET", "/profiles/" + profileId, null, null);
        assertThat(readBack.statusCode()).isEqualTo(200);
        assertThat(readBack.body()).contains("\"displayName\":\"After\"").contains("edited end to end");
        assertThat(readBack.headers().firstValue("X-Cache")).as("fresh after the write, and a hit").hasValue("HIT");
    }

    private static String await(String service, String path, Predicate<String> until) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        String body = "";
        while (System.nanoTime() < deadline) {
            HttpResponse<String> response = send(service, "GET", path, null, null);
            body = response.body();
            if (response.statusCode() == 200 && until.test(body)) {
                return body;
            }
            sleep(Duration.ofMillis(250));
        }
        throw new AssertionError(service + path + " never showed what was expected; last answer: " + body);
    }

    private static String field(String json, String name) {
        Matcher matcher = Pattern.compile("\"" + name + "\":(\\d+)").matcher(json);
        assertThat(matcher.find()).as("%s in %s", name, json).isTrue();
        return matcher.group(1);
    }

    private static HttpResponse<String> send(String service, String method, String path, String json, String token) {
        URI uri = stack.service(service).uri(path);
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10))
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
        } catch (Exception e) {
            throw new IllegalStateException(method + " " + uri + ": " + e, e);
        }
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
