package io.cachepatterns.catalog.product;

import static io.cachepatterns.catalog.product.ProductApi.create;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.cachepatterns.testsupport.RealServersResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Clients that give up mid-request, over real HTTP: the first reader of a cold key, or one of those waiting for its
 * load, closes its connection while the load waits on a slow database. Quarkus REST then cancels that request's
 * {@code Uni}; nobody else may notice.
 */
@QuarkusTest
@WithTestResource(RealServersResource.class)
class ProductCancellationTest {

    @TestHTTPResource("/products/")
    URI products;

    private final HttpClient client = HttpClient.newHttpClient();

    @AfterEach
    void noPause() {
        SlowProductRepository.pauseAfterRead(Duration.ZERO);
    }

    /** Sends a GET on a socket of its own and closes it without reading the answer: a client that gave up. */
    private Socket abandonedGet(long id) throws IOException {
        Socket socket = new Socket(products.getHost(), products.getPort());
        OutputStream out = socket.getOutputStream();
        out.write(("GET /products/" + id + " HTTP/1.1\r\nHost: localhost\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        return socket;
    }

    private CompletableFuture<HttpResponse<String>> get(long id) {
        return client.sendAsync(HttpRequest.newBuilder(products.resolve(String.valueOf(id)))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aFirstReaderThatGivesUpDoesNotPoisonItsKey() throws Exception {
        long id = create("abandoned first");
        SlowProductRepository.pauseAfterRead(Duration.ofMillis(1_000));
        Socket first = abandonedGet(id);
        Thread.sleep(200); // its load has started
        var waiting = get(id); // joins that load
        first.close();         // the first client gives up

        assertEquals(200, waiting.get(10, TimeUnit.SECONDS).statusCode(), "the reader that waited is answered");
        SlowProductRepository.pauseAfterRead(Duration.ZERO);
        HttpResponse<String> later = get(id).get(5, TimeUnit.SECONDS);
        assertEquals(200, later.statusCode(), "and the key still answers afterwards");
    }

    @Test
    void aWaitingReaderThatGivesUpFailsNobodyElse() throws Exception {
        long id = create("abandoned follower");
        SlowProductRepository.pauseAfterRead(Duration.ofMillis(1_000));
        var leader = get(id);
        Thread.sleep(200);
        Socket follower = abandonedGet(id);
        var another = get(id);
        Thread.sleep(200);
        follower.close();

        assertEquals(200, leader.get(10, TimeUnit.SECONDS).statusCode(), "the first reader");
        assertEquals(200, another.get(10, TimeUnit.SECONDS).statusCode(), "another waiting reader");
    }
}
