package io.cachepatterns.catalog.rate;

import io.cachepatterns.testsupport.StandInServer;
import io.cachepatterns.testsupport.StandInServer.Reply;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.time.Duration;
import java.util.Map;

/**
 * A local stand-in for the exchange-rate API: a real HTTP server on loopback that answers like the real one,
 * slowly, with nonsense, or not at all, and counts the requests it gets.
 */
public class RatesStandIn implements QuarkusTestResourceLifecycleManager {

    public enum Mode { OK, DOWN, GARBAGE }

    private static final String ROUTE = "/latest";
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
            server = StandInServer.start(Map.of(ROUTE, request -> {
                String to = request.query().getOrDefault("to", "");
                return mode == Mode.GARBAGE
                        ? Reply.ok("{\"message\":\"maintenance\",\"rates\":null}")
                        : Reply.ok("{\"amount\":1.0,\"base\":\"" + request.query().get("from")
                                + "\",\"date\":\"2026-11-27\",\"rates\":{\"" + to + "\":" + RATES.getOrDefault(to, "2")
                                + "}}");
            }));
            server.latency(Duration.ofMillis(50)); // slow, as the real thing
        }
        return Map.of("quarkus.rest-client.rates.url", server.url());
    }

    @Override
    public void stop() {
        // shared by the test classes of this JVM; it dies with it
    }
}
