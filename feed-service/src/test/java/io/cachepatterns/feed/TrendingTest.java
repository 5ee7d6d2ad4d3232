package io.cachepatterns.feed;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;

import io.cachepatterns.feed.product.service.ProductSummaries;
import io.cachepatterns.testsupport.RealServersResource;
import io.cachepatterns.testsupport.StandInServer;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The trending list and the product summaries' read-through cache that it shares with the feed. */
@QuarkusTest
@WithTestResource(value = RealServersResource.class, initArgs = @ResourceArg(name = "database", value = "none"))
@WithTestResource(UpstreamStandIn.class)
class TrendingTest {

    private static final String PROBLEM = "application/problem+json";

    @Inject
    ProductSummaries summaries;

    @Test
    void mostViewedProductsFirstWithTheirSummaries() {
        UpstreamStandIn.server().latency(Duration.ZERO);
        // Until the list has been rebuilt since the upstream answers again: an earlier test's faults may have left
        // the last good list served past its TTL (200, "stale": true).
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!isFresh(given().when().get("/trending"))) {
            assertThat(System.nanoTime()).isLessThan(deadline);
            FeedRefreshAheadTest.sleep(Duration.ofMillis(100));
        }

        given().queryParam("limit", 3).when().get("/trending").then().statusCode(200)
                .body("items.product.id", contains(30, 29, 28))
                .body("items.views", contains(300, 290, 280))
                .body("items[0].product.name", equalTo("Product 30"))
                .body("stale", equalTo(false));
        given().queryParam("limit", 50).when().get("/trending").then().statusCode(200)
                .body("items.size()", equalTo(30)) // the banner is counted but is not a product
                .body("items.product.name", not(hasItem("banner-1")));
    }

    private static boolean isFresh(io.restassured.response.Response trending) {
        return trending.statusCode() == 200 && !trending.jsonPath().getBoolean("stale");
    }

    @Test
    void aBulkReadLoadsOnlyItsMissesInOneRequest() {
        StandInServer upstream = UpstreamStandIn.server();
        upstream.latency(Duration.ZERO);
        List<Long> all = LongStream.rangeClosed(1, 30).boxed().toList();
        summaries.getAll(all).await().indefinitely();
        for (long id : List.of(4L, 5L, 6L)) {
            summaries.invalidate(id).await().indefinitely();
        }
        int before = byIdsRequests(upstream).size();

        var found = summaries.getAll(all).await().indefinitely();

        assertThat(found).hasSize(30);
        List<String> requested = byIdsRequests(upstream).subList(before, byIdsRequests(upstream).size());
        // The hot trending list may rebuild meanwhile and load the same three: either way, only the misses.
        assertThat(requested).isNotEmpty().allSatisfy(ids -> assertThat(ids.split(","))
                .containsExactlyInAnyOrder("4", "5", "6"));
    }

    @Test
    void aSummaryIsServedThroughTheSameCache() {
        UpstreamStandIn.server().latency(Duration.ZERO);
        given().when().get("/summaries/12").then().statusCode(200).body("name", equalTo("Product 12"));
        given().when().get("/summaries/12").then().statusCode(200).header("X-Cache", "HIT");
        given().when().get("/summaries/999").then().statusCode(404).contentType(PROBLEM);
    }

    @Inject
    io.cachepatterns.shared.patterns.Caches caches;

    @Test
    void aChangeAnnouncedByTheCatalogDropsTheSummaryAtOnce() throws Exception {
        UpstreamStandIn.server().latency(Duration.ZERO);
        given().when().get("/summaries/17").then().statusCode(200);
        given().when().get("/summaries/17").then().statusCode(200).header("X-Cache", "HIT");

        caches.changeChannel("catalog:product-changes").publish("17").await().indefinitely(); // as catalog-service does

        long deadline = System.nanoTime() + Duration.ofSeconds(2).toNanos();
        while (!"MISS".equals(given().when().get("/summaries/17").header("X-Cache"))) {
            assertThat(System.nanoTime()).as("the summary is reloaded after the announcement").isLessThan(deadline);
            FeedRefreshAheadTest.sleep(Duration.ofMillis(20));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "51", "many", "-1"})
    void aBadLimitIsNamed(String limit) {
        given().queryParam("limit", limit).when().get("/trending")
                .then().statusCode(400).contentType(PROBLEM).body("errors.field", hasItem("limit"));
    }

    @Test
    void aBadIdIsNamed() {
        given().when().get("/summaries/abc")
                .then().statusCode(400).contentType(PROBLEM).body("errors.field", hasItem("id"));
    }

    private static List<String> byIdsRequests(StandInServer upstream) {
        return upstream.arrivals(UpstreamStandIn.PRODUCTS).stream()
                .map(arrival -> arrival.request().query().get("ids"))
                .filter(ids -> ids != null).toList();
    }
}
