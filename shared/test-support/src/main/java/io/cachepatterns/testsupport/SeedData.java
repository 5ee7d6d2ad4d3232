package io.cachepatterns.testsupport;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** A few products, a user and some views and likes, through the services' own APIs, so the run command shows data. */
public final class SeedData {

    public static final String SUMMARY = "6 products, user demo / password demo-password-1 (who likes three of "
            + "them), views on every product";

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final String[][] PRODUCTS = {
        {"espresso-cup", "Espresso cup", "12.50", "kitchen"},
        {"french-press", "French press", "34.00", "kitchen"},
        {"trail-shoes", "Trail shoes", "119.00", "outdoor"},
        {"rain-jacket", "Rain jacket", "89.90", "outdoor"},
        {"desk-lamp", "Desk lamp", "45.00", "home"},
        {"wool-blanket", "Wool blanket", "64.00", "home"},
    };

    private SeedData() {
    }

    /** The editor the run command prints, with a password made up for this run. */
    public record Editor(String username, String password) {
    }

    /**
     * Loads the seed data as the services' own clients would: products as the operator, views as a trusted caller,
     * likes as a signed-in user; and makes an editor (registered, then given the role by the operator).
     */
    public static Editor load(LocalStack stack) {
        ServiceProcess catalog = stack.service("catalog");
        ServiceProcess metrics = stack.service("metrics");
        ServiceProcess profile = stack.service("profile");
        String operator = "Bearer " + LocalStack.LOCAL_ADMIN_TOKEN;
        List<Long> ids = new ArrayList<>();
        for (String[] product : PRODUCTS) {
            String body = "{\"sku\":\"" + product[0] + "\",\"name\":\"" + product[1] + "\",\"description\":\"seed data\","
                    + "\"price\":" + product[2] + ",\"currency\":\"EUR\",\"category\":\"" + product[3] + "\"}";
            HttpResponse<String> created = send(post(catalog.uri("/products"), body, operator));
            if (created.statusCode() == 201) {
                ids.add(Long.parseLong(created.body().replaceAll("(?s).*?\"id\":(\\d+).*", "$1")));
            }
        }
        for (int i = 0; i < ids.size(); i++) {
            send(post(metrics.uri("/items/" + ids.get(i) + "/views?count=" + (10 * (i + 1))), "", operator));
        }
        send(post(profile.uri("/profiles"), "{\"username\":\"demo\",\"password\":\"demo-password-1\","
                + "\"displayName\":\"Demo User\",\"email\":\"demo@example.com\",\"bio\":\"seed data\"}", null));
        String demo = "Bearer " + tokenOf(send(post(profile.uri("/sessions"),
                "{\"username\":\"demo\",\"password\":\"demo-password-1\"}", null)));
        for (int i = 0; i < Math.min(3, ids.size()); i++) {
            send(post(metrics.uri("/items/" + ids.get(i) + "/likes"), "", demo));
        }
        byte[] random = new byte[12];
        new java.security.SecureRandom().nextBytes(random);
        Editor editor = new Editor("editor", "editor-" + java.util.Base64.getUrlEncoder().withoutPadding()
                .encodeToString(random));
        HttpResponse<String> registered = send(post(profile.uri("/profiles"), "{\"username\":\"" + editor.username()
                + "\",\"password\":\"" + editor.password() + "\",\"displayName\":\"Editor\","
                + "\"email\":\"editor@example.com\"}", null));
        if (registered.statusCode() == 201) {
            String id = registered.body().replaceAll("(?s).*?\"id\":(\\d+).*", "$1");
            send(HttpRequest.newBuilder(profile.uri("/profiles/" + id + "/roles")).timeout(Duration.ofSeconds(10))
                    .header("content-type", "application/json").header("Authorization", operator)
                    .PUT(HttpRequest.BodyPublishers.ofString("{\"roles\":[\"editor\"]}")).build());
        }
        return editor;
    }

    private static String tokenOf(HttpResponse<String> login) {
        return login.body().replaceAll("(?s).*?\"token\":\"([^\"]+)\".*", "$1");
    }

    private static HttpRequest post(URI uri, String json, String authorization) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10))
                .header("content-type", "application/json");
        if (authorization != null) {
            builder.header("Authorization", authorization);
        }
        return builder.POST(HttpRequest.BodyPublishers.ofString(json)).build();
    }

    /** Seed data is a convenience: a failure (say, it is there already) is reported, not fatal. */
    private static HttpResponse<String> send(HttpRequest request) {
        try {
            HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() >= 300) {
                System.out.println("seed: " + request.uri() + " → " + response.statusCode());
            }
            return response;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
