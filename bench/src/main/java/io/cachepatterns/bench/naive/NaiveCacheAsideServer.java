package io.cachepatterns.bench.naive;

import io.vertx.core.AbstractVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

/**
 * The seed's cache-aside, transposed to Java as it is written there, as the report's baseline for catalog-service: a
 * read checks Redis, and on a miss loads the row and sets it with a TTL; a write updates the row, then deletes the
 * key. No lease, no single flight, no version check: every concurrent miss loads, and a load that read the row
 * before a write can set the old value after the write's delete, where it stays until the TTL. Never used by a
 * service; it serves {@code GET} and {@code PUT /products/{id}} over the catalog's own table, for comparison.
 *
 * <p>Arguments: port, Redis URL, PostgreSQL URL ({@code postgresql://host:port/db}), user, password, TTL seconds.
 */
public final class NaiveCacheAsideServer extends AbstractVerticle {

    private static final String KEY_PREFIX = "naive:products:";

    private final int port;
    private final String redisUrl;
    private final PgConnectOptions database;
    private final long ttlSeconds;

    private NaiveCacheAsideServer(int port, String redisUrl, PgConnectOptions database, long ttlSeconds) {
        this.port = port;
        this.redisUrl = redisUrl;
        this.database = database;
        this.ttlSeconds = ttlSeconds;
    }

    public static void main(String[] args) {
        int port = Integer.parseInt(args[0]);
        PgConnectOptions database = PgConnectOptions.fromUri(args[2]).setUser(args[3]).setPassword(args[4]);
        long ttl = Long.parseLong(args[5]);
        Vertx vertx = Vertx.vertx();
        vertx.deployVerticle(() -> new NaiveCacheAsideServer(port, args[1], database, ttl),
                        new DeploymentOptions().setInstances(Runtime.getRuntime().availableProcessors()))
                .onSuccess(id -> System.out.println("naive cache-aside on port " + port))
                .onFailure(failure -> {
                    failure.printStackTrace();
                    System.exit(1);
                });
    }

    private Redis redis;
    private Pool pool;

    @Override
    public void start() {
        redis = Redis.createClient(vertx, new RedisOptions().setConnectionString(redisUrl).setMaxPoolSize(16)
                .setMaxPoolWaiting(4096));
        pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(8)).connectingTo(database).using(vertx).build();
        vertx.createHttpServer(new HttpServerOptions().setPort(port)).requestHandler(request -> {
            String path = request.path();
            if (path.equals("/q/health/ready")) {
                request.response().end("UP");
            } else if (request.method().name().equals("GET")) {
                read(request, Long.parseLong(path.substring(path.lastIndexOf('/') + 1)));
            } else if (request.method().name().equals("PUT")) {
                request.body().onSuccess(body -> write(request, Long.parseLong(path.substring(path.lastIndexOf('/')
                        + 1)), body.toJsonObject()));
            } else {
                request.response().setStatusCode(405).end();
            }
        }).listen();
    }

    /** Check, miss, load, set. */
    private void read(HttpServerRequest request, long id) {
        String key = KEY_PREFIX + id;
        redis.send(Request.cmd(Command.GET).arg(key)).onComplete(cached -> {
            if (cached.succeeded() && cached.result() != null) {
                answer(request, 200, "HIT", cached.result().toString());
                return;
            }
            pool.preparedQuery("SELECT id, sku, name, description, price, currency, category, version FROM product"
                    + " WHERE id = $1").execute(Tuple.of(id)).onComplete(rows -> {
                        if (rows.failed()) {
                            answer(request, 503, "MISS", "{}");
                        } else if (rows.result().size() == 0) {
                            answer(request, 404, "MISS", "{}");
                        } else {
                            String json = json(rows.result().iterator().next());
                            redis.send(Request.cmd(Command.SET).arg(key).arg(json).arg("EX").arg(ttlSeconds));
                            answer(request, 200, "MISS", json);
                        }
                    });
        });
    }

    /** Update, then delete. */
    private void write(HttpServerRequest request, long id, JsonObject input) {
        pool.preparedQuery("UPDATE product SET name = $2, description = $3, price = $4, version = version + 1,"
                        + " updated_at = now() WHERE id = $1"
                        + " RETURNING id, sku, name, description, price, currency, category, version")
                .execute(Tuple.of(id, input.getString("name"), input.getString("description"),
                        new java.math.BigDecimal(input.getString("price"))))
                .onComplete(rows -> {
                    if (rows.failed()) {
                        answer(request, 503, "-", "{}");
                    } else if (rows.result().size() == 0) {
                        answer(request, 404, "-", "{}");
                    } else {
                        String json = json(rows.result().iterator().next());
                        redis.send(Request.cmd(Command.DEL).arg(KEY_PREFIX + id))
                                .onComplete(deleted -> answer(request, 200, "-", json));
                    }
                });
    }

    private static String json(Row row) {
        return new JsonObject().put("id", row.getLong("id")).put("sku", row.getString("sku"))
                .put("name", row.getString("name")).put("description", row.getString("description"))
                .put("price", row.getBigDecimal("price").toPlainString()).put("currency", row.getString("currency"))
                .put("category", row.getString("category")).put("version", row.getLong("version")).encode();
    }

    private static void answer(HttpServerRequest request, int status, String source, String body) {
        request.response().setStatusCode(status).putHeader("content-type", "application/json")
                .putHeader("X-Cache", source).end(body);
    }
}
