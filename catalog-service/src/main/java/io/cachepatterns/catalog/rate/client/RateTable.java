package io.cachepatterns.catalog.rate.client;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.math.BigDecimal;
import java.util.Map;

/** The exchange-rate API's answer to {@code GET /latest?from=EUR&to=USD} (ECB reference rates, Frankfurter style). */
@JsonIgnoreProperties(ignoreUnknown = true)
public record RateTable(String base, String date, Map<String, BigDecimal> rates) {
}
