package io.cachepatterns.catalog.rate;

import io.cachepatterns.testsupport.StandInServer;
import io.cachepatterns.testsupport.StandInServer.Reply;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.time.Duration;
import java.util.Map;

/**
 * A local stand-in for the exchange-rate API: a real HTTP server on loopback that answers like the real one,
 * slowly, with nonsense, or not at all, and counts the requests it gets. The service is given an address that
 * answers 301 to the real route, as the real API's old host does: every rate test also shows the redirect followed.
 */
public class RatesStandIn implements QuarkusTestResourceLifecycleManager {

    public enum Mode { OK, DOWN, GARBAGE }

    private static final String ROUTE = "/latest";
    /** Where the service is pointed: an old address that answers 301 to ROUTE, as the real API's old host does. */
    private static final String MOVED = "/moved/latest";
    private static final Map<String, String> RATES = Map.of("USD", "1.1", "GBP", "0.85", "JPY", "160");
    private static volatile Mode mode = Mode.OK;
    private static StandInServer server;

    public static void mode(Mode newMode) {
        mode = newMode;
        server.down(newMode == Mode.DOWN);
    }

    public static int requests() {
        return server.requests(ROUTE);
    }

    @Override
    public synchronized Map<String, String> start() {
        if (server == null) {
            server = StandInServer.start(Map.of(MOVED, request -> Reply.movedTo(server.url() + ROUTE + "?base="
                    + request.query().get("base") + "&symbols=" + request.query().get("symbols")), ROUTE, request -> {
                String to = request.query().getOrDefault("symbols", "");
                return mode == Mode.GARBAGE
                        ? Reply.ok("{\"message\":\"maintenance\",\"rates\":null}")
                        : Reply.ok("{\"amount\":1.0,\"base\":\"" + request.query().get("base")
                                + "\",\"date\":\"2026-11-27\",\"rates\":{\"" + to + "\":" + RATES.getOrDefault(to, "2")
                                + "}}");
            }));
            server.latency(Duration.ofMillis(50)); // slow, as the real thing
        }
        return Map.of("quarkus.rest-client.rates.url", server.url() + "/moved");
    }

    @Override
    public void stop() {
        // shared by the test classes of this JVM; it dies with it
    }
}
