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

    public static final String SUMMARY = "6 products, user demo / password demo-password-1, views and likes on "
            + "every product";

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

    public static void load(LocalStack stack) {
        ServiceProcess catalog = stack.service("catalog");
        ServiceProcess metrics = stack.service("metrics");
        List<Long> ids = new ArrayList<>();
        for (String[] product : PRODUCTS) {
            String body = "{\"sku\":\"" + product[0] + "\",\"name\":\"" + product[1] + "\",\"description\":\"seed data\","
                    + "\"price\":" + product[2] + ",\"currency\":\"EUR\",\"category\":\"" + product[3] + "\"}";
            HttpResponse<String> created = send(post(catalog.uri("/products"), body));
            if (created.statusCode() == 201) {
                ids.add(Long.parseLong(created.body().replaceAll("(?s).*?\"id\":(\\d+).*", "$1")));
            }
        }
        for (int i = 0; i < ids.size(); i++) {
            send(post(metrics.uri("/items/" + ids.get(i) + "/views?count=" + (10 * (i + 1))), ""));
            send(post(metrics.uri("/items/" + ids.get(i) + "/likes?count=" + (i + 1)), ""));
        }
        send(post(stack.service("profile").uri("/profiles"), "{\"username\":\"demo\",\"password\":\"demo-password-1\","
                + "\"displayName\":\"Demo User\",\"email\":\"demo@example.com\",\"bio\":\"seed data\"}"));
    }

    private static HttpRequest post(URI uri, String json) {
        return HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build();
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
