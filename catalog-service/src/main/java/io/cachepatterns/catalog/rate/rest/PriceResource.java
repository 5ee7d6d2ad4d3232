package io.cachepatterns.catalog.rate.rest;

import io.cachepatterns.catalog.product.service.IsoCurrency;
import io.cachepatterns.catalog.rate.service.PriceService;
import io.cachepatterns.catalog.rate.service.PriceView;
import io.cachepatterns.shared.patterns.CacheRead;
import io.cachepatterns.shared.problem.Params;
import io.smallrye.mutiny.Uni;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.jboss.resteasy.reactive.RestPath;
import org.jboss.resteasy.reactive.RestQuery;
import org.jboss.resteasy.reactive.RestResponse;

/** {@code /products/{id}/price?currency=USD}: a product's price converted with a cached exchange rate. */
@Path("/products/{id}/price")
@Produces(MediaType.APPLICATION_JSON)
public class PriceResource {

    private final PriceService prices;

    public PriceResource(PriceService prices) {
        this.prices = prices;
    }

    /** {@code X-Cache: STALE} (and {@code "stale": true}) when the rate is past its TTL and the upstream failed. */
    @GET
    public Uni<RestResponse<PriceView>> price(@RestPath String id, @RestQuery @NotNull @IsoCurrency String currency) {
        return prices.price(Params.id("id", id), currency).map(price -> RestResponse.ResponseBuilder.ok(price)
                .header(CacheRead.HEADER, price.stale() ? "STALE" : null)
                .build());
    }
}
