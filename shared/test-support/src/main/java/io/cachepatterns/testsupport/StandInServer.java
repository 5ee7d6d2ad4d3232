package io.cachepatterns.testsupport;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * A stand-in for an upstream HTTP service: a real server on loopback (the JDK's own, no extra dependency) that
 * answers JSON from handlers, slowly if asked, or 503 to everything while it is "down", and remembers when each
 * request arrived. Tests and benchmarks use it where the real upstream is another team's service.
 */
public final class StandInServer implements AutoCloseable {

    /**
     * A request as the handlers see it: its path, its query parameters (the last of each name) and its headers (the
     * first of each name, the name in lower case).
     */
    public record Request(String path, Map<String, String> query, Map<String, String> headers) {

        public Request(String path, Map<String, String> query) {
            this(path, query, Map.of());
        }

        public String header(String name) {
            return headers.get(name.toLowerCase(java.util.Locale.ROOT));
        }
    }

    /** What a handler answers: a status and a JSON body, and for a redirect where to. */
    public record Reply(int status, String json, String location) {

        public Reply(int status, String json) {
            this(status, json, null);
        }

        public static Reply ok(String json) {
            return new Reply(200, json);
        }

        /** 301 Moved Permanently to {@code location}, as an API answers from a host it has left. */
        public static Reply movedTo(String location) {
            return new Reply(301, "{\"title\":\"Moved Permanently\",\"status\":301}", location);
        }

        public static Reply notFound() {
            return new Reply(404, "{\"title\":\"Not Found\",\"status\":404}");
        }
    }

    private final HttpServer server;
    private final ExecutorService executor = Executors.newFixedThreadPool(16);
    private final Map<String, Function<Request, Reply>> routes;
    private final Map<String, List<Arrival>> arrivals = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger[]> concurrency = new ConcurrentHashMap<>();
    private volatile boolean down;
    private volatile long latencyMillis;

    private StandInServer(Map<String, Function<Request, Reply>> routes) {
        this.routes = Map.copyOf(routes);
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.setExecutor(executor);
        server.createContext("/", this::answer);
        server.start();
    }

    /** Starts a server; each route is a path prefix, the longest matching one answers. */
    public static StandInServer start(Map<String, Function<Request, Reply>> routes) {
        return new StandInServer(routes);
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** While down, every request gets a 503 (and is still counted). */
    public void down(boolean isDown) {
        down = isDown;
    }

    /** How long every answer takes. */
    public void latency(Duration latency) {
        latencyMillis = latency.toMillis();
    }

    /** A request that arrived, and when ({@link System#nanoTime()}). */
    public record Arrival(long nanos, Request request) {
    }

    /** Requests that arrived for the route {@code prefix} so far. */
    public int requests(String prefix) {
        return arrivalsOf(prefix).size();
    }

    /** The requests for {@code prefix} so far, in order of arrival. */
    public List<Arrival> arrivals(String prefix) {
        return List.copyOf(arrivalsOf(prefix));
    }

    /** The most requests for {@code prefix} that were being answered at one time. */
    public int mostAtOnce(String prefix) {
        return concurrencyOf(prefix)[1].get();
    }

    private List<Arrival> arrivalsOf(String prefix) {
        return arrivals.computeIfAbsent(prefix, ignored -> new CopyOnWriteArrayList<>());
    }

    /** [now, most] */
    private AtomicInteger[] concurrencyOf(String prefix) {
        return concurrency.computeIfAbsent(prefix, ignored -> new AtomicInteger[] {new AtomicInteger(),
            new AtomicInteger()});
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    private void answer(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getPath();
        String route = routes.keySet().stream().filter(path::startsWith)
                .max(Comparator.comparingInt(String::length)).orElse(null);
        Map<String, String> headers = new HashMap<>();
        exchange.getRequestHeaders().forEach((name, values) -> {
            if (!values.isEmpty()) {
                headers.put(name.toLowerCase(java.util.Locale.ROOT), values.get(0));
            }
        });
        Request request = new Request(path, query(exchange.getRequestURI().getRawQuery()), headers);
        AtomicInteger[] inFlight = route == null ? null : concurrencyOf(route);
        if (route != null) {
            arrivalsOf(route).add(new Arrival(System.nanoTime(), request));
            inFlight[1].accumulateAndGet(inFlight[0].incrementAndGet(), Math::max);
        }
        try {
            reply(exchange, route, request);
        } finally {
            if (inFlight != null) {
                inFlight[0].decrementAndGet();
            }
        }
    }

    private void reply(HttpExchange exchange, String route, Request request) throws IOException {
        if (latencyMillis > 0) {
            try {
                Thread.sleep(latencyMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        Reply reply;
        if (down) {
            reply = new Reply(503, "{\"title\":\"Service Unavailable\",\"status\":503}");
        } else if (route == null) {
            reply = Reply.notFound();
        } else {
            try {
                reply = routes.get(route).apply(request);
            } catch (RuntimeException e) {
                reply = new Reply(500, "{\"title\":\"" + e.getClass().getSimpleName() + "\",\"status\":500}");
            }
        }
        byte[] bytes = reply.json().getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("content-type", "application/json");
        if (reply.location() != null) {
            exchange.getResponseHeaders().add("location", reply.location());
        }
        exchange.sendResponseHeaders(reply.status(), bytes.length);
        exchange.getResponseBody().write(bytes);
        exchange.close();
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> query = new HashMap<>();
        if (raw == null || raw.isEmpty()) {
            return query;
        }
        for (String pair : raw.split("&")) {
            int equals = pair.indexOf('=');
            String name = equals < 0 ? pair : pair.substring(0, equals);
            String value = equals < 0 ? "" : pair.substring(equals + 1);
            query.put(URLDecoder.decode(name, StandardCharsets.UTF_8), URLDecoder.decode(value, StandardCharsets.UTF_8));
        }
        return query;
    }
}
