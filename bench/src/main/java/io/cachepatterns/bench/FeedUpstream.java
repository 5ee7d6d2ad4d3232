package io.cachepatterns.bench;

import io.cachepatterns.testsupport.StandInServer;
import io.cachepatterns.testsupport.StandInServer.Reply;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * catalog-service and metrics-service as feed-service sees them, in one stand-in: the newest 20 of 40 products,
 * products by id (any id exists; its name carries a version that {@link #change} moves on), item n viewed 10·n times.
 * Every answer takes the latency given: a slow upstream, which is what the feed's caches are for.
 */
public final class FeedUpstream implements AutoCloseable {

    private final StandInServer server;
    private final Map<Integer, Integer> versions;

    private FeedUpstream(StandInServer server, Map<Integer, Integer> versions) {
        this.server = server;
        this.versions = versions;
    }

    public static FeedUpstream start(Duration latency) {
        Map<Integer, Integer> versions = new ConcurrentHashMap<>();
        StandInServer server = StandInServer.start(Map.of(
                "/products", request -> {
                    List<Integer> ids = request.query().containsKey("ids")
                            ? Arrays.stream(request.query().get("ids").split(",")).map(Integer::parseInt).toList()
                            : IntStream.iterate(40, i -> i - 1).limit(20).boxed().toList();
                    return Reply.ok("{\"items\":[" + ids.stream().map(id -> "{\"id\":" + id + ",\"name\":\"Product "
                            + id + " v" + versions.getOrDefault(id, 0) + "\",\"price\":" + id
                            + ".90,\"currency\":\"EUR\",\"category\":\"bench\"}").collect(Collectors.joining(","))
                            + "]}");
                },
                "/items/stats", request -> Reply.ok("[" + Arrays.stream(request.query().get("ids").split(","))
                        .map(item -> "{\"itemId\":\"" + item + "\",\"views\":" + item.length() * 10 + ",\"likes\":1}")
                        .collect(Collectors.joining(",")) + "]"),
                "/items/top", request -> Reply.ok("[" + IntStream.rangeClosed(1, 40).mapToObj(i -> "{\"itemId\":\""
                        + (41 - i) + "\",\"views\":" + (41 - i) * 10 + ",\"likes\":1}").collect(Collectors.joining(","))
                        + "]")));
        server.latency(latency);
        return new FeedUpstream(server, versions);
    }

    /** Product {@code id} changes: its name says the next version from now on. */
    public void change(int id) {
        versions.merge(id, 1, Integer::sum);
    }

    public String url() {
        return server.url();
    }

    public StandInServer server() {
        return server;
    }

    /** Feed builds started so far: requests for the newest products. */
    public List<Long> builds() {
        return server.arrivals("/products").stream()
                .filter(arrival -> "newest".equals(arrival.request().query().get("sort")))
                .map(StandInServer.Arrival::nanos).toList();
    }

    /** Every request so far, to either service. */
    public int requests() {
        return server.requests("/products") + server.requests("/items/stats") + server.requests("/items/top");
    }

    @Override
    public void close() {
        server.close();
    }
}
