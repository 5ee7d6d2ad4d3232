package io.cachepatterns.testsupport;

import io.cachepatterns.testsupport.StandInServer.Reply;
import java.util.Locale;
import java.util.Map;

/**
 * Exchange rates for the run command on a machine without internet: a local stand-in that answers the rate API's
 * {@code GET /latest?base=X&symbols=Y} (Frankfurter v1) with fixed, made-up rates. Its answers say they are demo
 * data, and the run command says so when it starts; {@code RATES_URL} set in the environment replaces it with the
 * real API.
 */
public final class DemoRates {

    /** Units of each currency per euro: round figures, not real rates. */
    private static final Map<String, Double> PER_EURO = Map.of("EUR", 1.0, "USD", 1.10, "GBP", 0.85, "JPY", 160.0,
            "CHF", 0.95, "SEK", 11.5, "PLN", 4.3);

    private DemoRates() {
    }

    /** Starts the stand-in on a free loopback port; its URL is the base for {@code RATES_URL}. */
    public static StandInServer start() {
        return StandInServer.start(Map.of("/latest", request -> {
            String base = request.query().getOrDefault("base", "EUR").toUpperCase(Locale.ROOT);
            String symbol = request.query().getOrDefault("symbols", "USD").toUpperCase(Locale.ROOT);
            if (!PER_EURO.containsKey(base) || !PER_EURO.containsKey(symbol)) {
                return new Reply(404, "{\"message\":\"not found\"}");
            }
            double rate = PER_EURO.get(symbol) / PER_EURO.get(base);
            return Reply.ok(String.format(Locale.ROOT, "{\"amount\":1.0,\"base\":\"%s\",\"date\":\"2000-01-01\","
                    + "\"rates\":{\"%s\":%.5f},\"note\":\"demo data from bin/run-local's stand-in, not real rates\"}",
                    base, symbol, rate));
        }));
    }
}
