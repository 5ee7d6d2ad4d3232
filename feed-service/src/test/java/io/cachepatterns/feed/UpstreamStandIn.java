package io.cachepatterns.feed;

import io.cachepatterns.testsupport.StandInServer;
import io.cachepatterns.testsupport.StandInServer.Reply;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * catalog-service and metrics-service as feed-service sees them, played by one local HTTP server: products 1 to 30
 * (the highest id is the newest), item {@code n} viewed {@code 10·n} times, and a banner that is not a product.
 */
public class UpstreamStandIn implements QuarkusTestResourceLifecycleManager {

    public static final String PRODUCTS = "/products";
    public static final String STATS = "/items/stats";
    public static final String TOP = "/items/top";
    static final int PRODUCT_COUNT = 30;

    private static StandInServer server;

    public static StandInServer server() {
        return server;
    }

    @Override
    public synchronized Map<String, String> start() {
        if (server == null) {
            server = StandInServer.start(Map.of(
                    PRODUCTS, request -> products(request.query()),
                    STATS, request -> stats(request.query().get("ids")),
                    TOP, request -> top(Integer.parseInt(request.query().getOrDefault("limit", "10")))));
        }
        return Map.of("quarkus.rest-client.catalog.url", server.url(),
                "quarkus.rest-client.metrics.url", server.url());
    }

    @Override
    public void stop() {
        // shared by the test classes of this JVM; it dies with it
    }

    private static Reply products(Map<String, String> query) {
        List<Integer> ids;
        if (query.containsKey("ids")) {
            ids = Arrays.stream(query.get("ids").split(",")).map(Integer::parseInt)
                    .filter(id -> id >= 1 && id <= PRODUCT_COUNT).toList();
        } else {
            int size = Integer.parseInt(query.getOrDefault("size", "20"));
            ids = IntStream.rangeClosed(1, PRODUCT_COUNT).boxed().sorted(Comparator.reverseOrder()).limit(size)
                    .toList();
        }
        String items = ids.stream().map(UpstreamStandIn::product).collect(Collectors.joining(","));
        return Reply.ok("{\"items\":[" + items + "],\"page\":0,\"size\":" + ids.size() + ",\"total\":" + ids.size()
                + "}");
    }

    private static String product(int id) {
        return "{\"id\":" + id + ",\"sku\":\"sku-" + id + "\",\"name\":\"Product " + id
                + "\",\"description\":\"a product\",\"price\":" + id + ".90,\"currency\":\"EUR\","
                + "\"category\":\"stand-in\",\"version\":0,\"updatedAt\":\"2026-11-27T10:00:00Z\"}";
    }

    private static Reply stats(String ids) {
        return Reply.ok("[" + Arrays.stream(ids.split(","))
                .map(itemId -> counter(itemId, itemId.chars().allMatch(Character::isDigit) ? Long.parseLong(itemId) : 7))
                .collect(Collectors.joining(",")) + "]");
    }

    private static Reply top(int limit) {
        String items = IntStream.rangeClosed(1, PRODUCT_COUNT + 1).map(i -> PRODUCT_COUNT + 2 - i).limit(limit)
                .mapToObj(n -> n == PRODUCT_COUNT + 1 ? counter("banner-1", 1000) : counter(String.valueOf(n), n))
                .collect(Collectors.joining(","));
        return Reply.ok("[" + items + "]");
    }

    private static String counter(String itemId, long n) {
        return "{\"itemId\":\"" + itemId + "\",\"views\":" + (10 * n) + ",\"likes\":" + n + "}";
    }
}
