package io.cachepatterns.bench;

import io.vertx.core.AbstractVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;

/**
 * The floor of any cache hit over HTTP: a plain Vert.x server that answers {@code GET /products/{id}} with one Redis
 * GET of the stored JSON bytes, and nothing else (no routing framework, no metrics, no fault tolerance). And the floor
 * of any write acknowledged after Redis: {@code POST /items/{id}/views} answers 202 after one {@code HINCRBY} (no
 * authentication, no durable log, no idempotency record, no flush).
 *
 * <p>Arguments: port, Redis URL, key prefix of the reads (the catalog's {@code catalog:products:v1:}).
 */
public final class LimitServer extends AbstractVerticle {

    private final int port;
    private final String redisUrl;
    private final String keyPrefix;

    private LimitServer(int port, String redisUrl, String keyPrefix) {
        this.port = port;
        this.redisUrl = redisUrl;
        this.keyPrefix = keyPrefix;
    }

    public static void main(String[] args) {
        int port = Integer.parseInt(args[0]);
        Vertx vertx = Vertx.vertx();
        // One server per event loop, as Quarkus has; they share the port.
        int instances = Runtime.getRuntime().availableProcessors();
        vertx.deployVerticle(() -> new LimitServer(port, args[1], args[2]),
                        new DeploymentOptions().setInstances(instances))
                .onSuccess(id -> System.out.println("limit server on port " + port))
                .onFailure(failure -> {
                    failure.printStackTrace();
                    System.exit(1);
                });
    }

    @Override
    public void start() {
        Redis redis = Redis.createClient(vertx, new RedisOptions().setConnectionString(redisUrl)
                .setMaxPoolSize(16).setMaxPoolWaiting(4096));
        vertx.createHttpServer(new HttpServerOptions().setPort(port)).requestHandler(request -> {
            String path = request.path();
            if (path.equals("/q/health/ready")) {
                request.response().end("UP");
                return;
            }
            if (request.method() == HttpMethod.POST) {
                String item = path.substring("/items/".length(), path.lastIndexOf('/'));
                redis.send(Request.cmd(Command.HINCRBY).arg("limit:views").arg(item).arg(1)).onComplete(result ->
                        request.response().setStatusCode(result.succeeded() ? 202 : 500).end());
                return;
            }
            String id = path.substring(path.lastIndexOf('/') + 1);
            redis.send(Request.cmd(Command.GET).arg(keyPrefix + "{" + id + "}")).onComplete(result -> {
                if (result.failed()) {
                    request.response().setStatusCode(500).end();
                } else if (result.result() == null) {
                    request.response().setStatusCode(404).end();
                } else {
                    request.response().putHeader("content-type", "application/json").end(result.result().toBuffer());
                }
            });
        }).listen();
    }
}
