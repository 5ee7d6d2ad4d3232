package io.cachepatterns.testsupport;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;

/** A few products, a user and some views and likes, through the services' own APIs, so the run command shows data. */
public final class SeedData {

    public static final String SUMMARY = "6 products, user demo / password demo-password-1 (who likes three of "
            + "them), views on every product";

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
        String operator = LocalStack.LOCAL_ADMIN_TOKEN;
        List<String> ids = new ArrayList<>();
        for (String[] product : PRODUCTS) {
            String body = "{\"sku\":\"" + product[0] + "\",\"name\":\"" + product[1] + "\",\"description\":\"seed data\","
                    + "\"price\":" + product[2] + ",\"currency\":\"EUR\",\"category\":\"" + product[3] + "\"}";
            HttpResponse<String> created = call(stack, "catalog", "POST", "/products", body, operator);
            if (created.statusCode() == 201) {
                ids.add(ApiCalls.field(created.body(), "id"));
            }
        }
        for (int i = 0; i < ids.size(); i++) {
            call(stack, "metrics", "POST", "/items/" + ids.get(i) + "/views?count=" + (10 * (i + 1)), "", operator);
        }
        call(stack, "profile", "POST", "/profiles", "{\"username\":\"demo\",\"password\":\"demo-password-1\","
                + "\"displayName\":\"Demo User\",\"email\":\"demo@example.com\",\"bio\":\"seed data\"}", null);
        String demo = ApiCalls.field(call(stack, "profile", "POST", "/sessions",
                "{\"username\":\"demo\",\"password\":\"demo-password-1\"}", null).body(), "token");
        for (int i = 0; i < Math.min(3, ids.size()); i++) {
            call(stack, "metrics", "POST", "/items/" + ids.get(i) + "/likes", "", demo);
        }
        byte[] random = new byte[12];
        new java.security.SecureRandom().nextBytes(random);
        Editor editor = new Editor("editor", "editor-" + java.util.Base64.getUrlEncoder().withoutPadding()
                .encodeToString(random));
        HttpResponse<String> registered = call(stack, "profile", "POST", "/profiles", "{\"username\":\""
                + editor.username() + "\",\"password\":\"" + editor.password() + "\",\"displayName\":\"Editor\","
                + "\"email\":\"editor@example.com\"}", null);
        if (registered.statusCode() == 201) {
            call(stack, "profile", "PUT", "/profiles/" + ApiCalls.field(registered.body(), "id") + "/roles",
                    "{\"roles\":[\"editor\"]}", operator);
        }
        return editor;
    }

    /** Seed data is a convenience: a failure (say, it is there already) is reported, not fatal. */
    private static HttpResponse<String> call(LocalStack stack, String service, String method, String path,
                                             String json, String token) {
        HttpResponse<String> response = ApiCalls.call(stack, service, method, path, json, token);
        if (response.statusCode() >= 300) {
            System.out.println("seed: " + method + " " + path + " at " + service + " → " + response.statusCode());
        }
        return response;
    }
}
