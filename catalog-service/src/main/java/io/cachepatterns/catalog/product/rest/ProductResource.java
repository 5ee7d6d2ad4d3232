package io.cachepatterns.catalog.product.rest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cachepatterns.catalog.product.service.DiscountedProduct;
import io.cachepatterns.catalog.product.service.ProductInput;
import io.cachepatterns.catalog.product.service.ProductService.ProductPage;
import io.cachepatterns.catalog.product.service.ProductService;
import io.cachepatterns.catalog.product.service.ProductView;
import io.cachepatterns.shared.auth.RequiresEditor;
import io.cachepatterns.shared.patterns.CacheRead;
import io.cachepatterns.shared.problem.Params;
import io.cachepatterns.shared.problem.ProblemException;
import io.smallrye.mutiny.Uni;
import io.vertx.core.buffer.Buffer;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import org.jboss.resteasy.reactive.RestPath;
import org.jboss.resteasy.reactive.RestQuery;
import org.jboss.resteasy.reactive.RestResponse;

/** {@code /products}: the catalog's REST API. */
@Path("/products")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class ProductResource {

    /** Says where a read was served from: HIT, MISS, DEGRADED (Redis down) or BYPASS (cache off). */
    public static final String CACHE_HEADER = CacheRead.HEADER;
    static final int MAX_PAGE_SIZE = 100;
    /** The deepest row a page may start at. */
    static final int MAX_OFFSET = 10_000;

    private final ProductService service;
    private final ObjectMapper mapper;

    public ProductResource(ProductService service, ObjectMapper mapper) {
        this.service = service;
        this.mapper = mapper;
    }

    /**
     * A hit is sent as the cached JSON bytes: no decoding, no encoding. With the {@code show-discounts} flag on,
     * the product is decoded once more to add its discounted price.
     */
    @GET
    @Path("/{id}")
    public Uni<RestResponse<Buffer>> get(@RestPath String id) {
        long productId = Params.id("id", id);
        // One after the other, not together: both may open a Hibernate Reactive session on this request's context.
        return service.currentDiscount().flatMap(discount -> service.find(productId).map(read -> {
            if (!read.isPresent()) {
                throw ProblemException.notFound("no product " + id);
            }
            Buffer body = discount
                    .map(percent -> json(DiscountedProduct.of(read.value(), percent)))
                    .orElseGet(() -> read.encoded().getDelegate());
            // Typed as Buffer, so Quarkus REST picks the writer at build time rather than per request.
            return RestResponse.ResponseBuilder.ok(body).header(CACHE_HEADER, read.source().name()).build();
        }));
    }

    private Buffer json(Object value) {
        try {
            return Buffer.buffer(mapper.writeValueAsBytes(value));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * A page of products, optionally of one category, by id or newest first ({@code sort=newest}); a {@code size}
     * above 100 is served as 100, and no page starts past the 10 000th product (a 400 naming {@code page}). With {@code ids=1,2,3} (up to 100): exactly those that exist, in one query.
     */
    @GET
    public Uni<ProductPage> list(@RestQuery @Size(max = 64) String category, @RestQuery String page,
                                 @RestQuery String size, @RestQuery String sort, @RestQuery String ids) {
        if (ids != null) {
            return service.withIds(Params.ids("ids", ids, MAX_PAGE_SIZE));
        }
        if (sort != null && !sort.equals("id") && !sort.equals("newest")) {
            throw ProblemException.badRequest("sort", "must be 'id' or 'newest'");
        }
        int pageSize = Math.min(Params.intBetween("size", size, 20, 1, Integer.MAX_VALUE), MAX_PAGE_SIZE);
        // PostgreSQL reads an offset's rows and throws them away: pages end at the 10 000th product, so that one
        // request cannot make it skip millions (narrow by category to see further).
        return service.page(category, Params.intBetween("page", page, 0, 0, MAX_OFFSET / pageSize - 1), pageSize,
                "newest".equals(sort));
    }

    @POST
    @RequiresEditor
    public Uni<Response> create(@Valid @NotNull ProductInput input, UriInfo uri) {
        return service.create(input).map(created -> Response
                .created(uri.getAbsolutePathBuilder().path(String.valueOf(created.id())).build())
                .entity(created)
                .build());
    }

    @PUT
    @Path("/{id}")
    @RequiresEditor
    public Uni<ProductView> update(@RestPath String id, @Valid @NotNull ProductInput input) {
        return service.update(Params.id("id", id), input);
    }

    @DELETE
    @Path("/{id}")
    @RequiresEditor
    public Uni<Response> delete(@RestPath String id) {
        return service.delete(Params.id("id", id)).replaceWith(Response.noContent().build());
    }
}
