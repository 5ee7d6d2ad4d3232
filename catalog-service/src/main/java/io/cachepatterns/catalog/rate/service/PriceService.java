package io.cachepatterns.catalog.rate.service;

import io.cachepatterns.catalog.product.service.ProductService;
import io.cachepatterns.catalog.rate.client.RateTable;
import io.cachepatterns.catalog.rate.client.RatesClient;
import io.cachepatterns.shared.patterns.CacheAside;
import io.cachepatterns.shared.patterns.CacheRead;
import io.cachepatterns.shared.patterns.Caches;
import io.cachepatterns.shared.problem.Problem;
import io.cachepatterns.shared.problem.ProblemException;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.math.BigDecimal;
import java.math.RoundingMode;
import org.eclipse.microprofile.rest.client.inject.RestClient;

/**
 * Prices in other currencies, with rates from a slow, metered upstream cached for an hour (cache-aside, long TTL).
 * When a rate is past its TTL and the upstream fails, the old rate is served for a grace period, marked stale
 * (stale-if-error); with no rate cached at all, the answer is a 503 problem.
 */
@ApplicationScoped
public class PriceService {

    public static final String CACHE = "rates";

    private final ProductService products;
    private final RatesClient client;
    private final CacheAside<Rate> rates;

    public PriceService(ProductService products, @RestClient RatesClient client, Caches caches) {
        this.products = products;
        this.client = client;
        this.rates = caches.cacheAside(CACHE, Rate.class);
    }

    public Uni<PriceView> price(long productId, String currency) {
        return products.find(productId).flatMap(read -> {
            if (!read.isPresent()) {
                return Uni.createFrom().failure(ProblemException.notFound("no product " + productId));
            }
            var product = read.value();
            return rate(product.currency(), currency).map(rate -> new PriceView(productId,
                    product.price().multiply(rate.value().rate()).setScale(2, RoundingMode.HALF_EVEN), currency,
                    product.price(), product.currency(), rate.value().rate(), rate.value().date(),
                    rate.isStale()));
        });
    }

    private Uni<CacheRead<Rate>> rate(String from, String to) {
        if (from.equals(to)) {
            return Uni.createFrom().item(CacheRead.identity(new Rate(from, to, BigDecimal.ONE, null)));
        }
        return rates.read(from + "-" + to, () -> client.latest(from, to).map(table -> usable(table, from, to)))
                .onFailure(UpstreamGarbageException.class).transform(failure -> new ProblemException(
                        Problem.of(502, "Bad Gateway", "the exchange-rate API answered nonsense: "
                                + failure.getMessage())))
                .onFailure(failure -> !(failure instanceof ProblemException)).transform(failure ->
                        ProblemException.unavailable("no exchange rate " + from + "→" + to
                                + " is cached and the exchange-rate API is unavailable"));
    }

    private static Rate usable(RateTable table, String from, String to) {
        BigDecimal rate = table == null || table.rates() == null ? null : table.rates().get(to);
        if (rate == null || rate.signum() <= 0) {
            throw new UpstreamGarbageException("no positive rate for " + to + " in " + table);
        }
        return new Rate(from, to, rate, table.date());
    }
}
