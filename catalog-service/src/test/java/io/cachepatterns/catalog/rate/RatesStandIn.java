package io.cachepatterns.catalog.rate;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A local stand-in for the exchange-rate API: a real HTTP server on loopback that answers like the real one,
 * slowly, or not at all, and counts the requests it gets.
 */
public class RatesStandIn implements QuarkusTestResourceLifecycleManager {

    public enum Mode { OK, DOWN, GARBAGE }

    private static final Map<String, String> RATES = Map.of("USD", "1.1", "GBP", "0.85", "JPY", "160");
    private static final AtomicInteger REQUESTS = new AtomicInteger();
    private static volatile Mode mode = Mode.OK;
    private static volatile long latencyMillis = 50;
    private static HttpServer server;

    public static void mode(Mode newMode) {
        mode = newMode;
    }

    public static int requests() {
        return REQUESTS.get();
    }

    @Override
    public synchronized Map<String, String> start() {
        if (server == null) {
            try {
                server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            server.setExecutor(Executors.newFixedThreadPool(8));
            server.createContext("/latest", RatesStandIn::answer);
            server.start();
        }
        return Map.of("quarkus.rest-client.rates.url", "http://127.0.0.1:" + server.getAddress().getPort());
    }

    @Override
    public void stop() {
        // shared by the test classes of this JVM; it dies with it
    }

    private static void answer(HttpExchange exchange) throws IOException {
        REQUESTS.incrementAndGet();
        try {
            Thread.sleep(latencyMillis); // slow, as the real thing
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Map<String, String> query = query(exchange.getRequestURI());
        String to = query.getOrDefault("to", "");
        int status = 200;
        String body = switch (mode) {
            case OK -> "{\"amount\":1.0,\"base\":\"" + query.get("from") + "\",\"date\":\"2026-11-27\",\"rates\":{\""
                    + to + "\":" + RATES.getOrDefault(to, "2") + "}}";
            case GARBAGE -> "{\"message\":\"maintenance\",\"rates\":null}";
            case DOWN -> {
                status = 503;
                yield "{\"message\":\"down\"}";
            }
        };
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("content-type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }

    private static Map<String, String> query(URI uri) {
        var params = new java.util.HashMap<String, String>();
        if (uri.getRawQuery() != null) {
            for (String pair : uri.getRawQuery().split("&")) {
                String[] kv = pair.split("=", 2);
                params.put(kv[0], kv.length > 1 ? kv[1] : "");
            }
        }
        return params;
    }
}
