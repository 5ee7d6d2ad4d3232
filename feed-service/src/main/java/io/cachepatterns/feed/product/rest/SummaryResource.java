package io.cachepatterns.feed.product.rest;

import io.cachepatterns.feed.product.ProductSummary;
import io.cachepatterns.feed.product.service.ProductSummaries;
import io.cachepatterns.shared.patterns.CacheRead;
import io.cachepatterns.shared.problem.Params;
import io.cachepatterns.shared.problem.ProblemException;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.jboss.resteasy.reactive.RestPath;
import org.jboss.resteasy.reactive.RestResponse;

/** {@code /summaries/{id}}: one product summary, through the same read-through cache the lists use. */
@Path("/summaries")
@Produces(MediaType.APPLICATION_JSON)
public class SummaryResource {

    private final ProductSummaries summaries;

    public SummaryResource(ProductSummaries summaries) {
        this.summaries = summaries;
    }

    @GET
    @Path("/{id}")
    public Uni<RestResponse<ProductSummary>> summary(@RestPath String id) {
        long productId = Params.id("id", id);
        return summaries.read(productId).map(read -> {
            if (!read.isPresent()) {
                throw ProblemException.notFound("no product " + id);
            }
            return RestResponse.ResponseBuilder.ok(read.value()).header(CacheRead.HEADER, read.source().name())
                    .build();
        });
    }
}
