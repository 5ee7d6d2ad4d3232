package io.cachepatterns.catalog.rate.service;

import java.math.BigDecimal;

/**
 * A product's price in another currency.
 *
 * @param stale true when the rate is past its TTL and was served because the exchange-rate API failed
 */
public record PriceView(long productId, BigDecimal price, String currency, BigDecimal originalPrice,
                        String originalCurrency, BigDecimal rate, String rateDate, boolean stale) {
}
