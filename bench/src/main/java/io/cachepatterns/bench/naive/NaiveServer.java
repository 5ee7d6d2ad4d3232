package io.cachepatterns.bench.naive;

import io.vertx.core.AbstractVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * What the naive baselines share, none of it a caching idea: a Vert.x HTTP server per event loop, a Redis client,
 * a PostgreSQL pool, {@code /q/health/ready}, and the plain read they all start from — check, miss, load, set.
 */
abstract class NaiveServer extends AbstractVerticle {

    /** Where a naive server listens and what it talks to; {@code database} is {@code null} for one without. */
    record Settings(int port, String redisUrl, PgConnectOptions database) {

        /** From {@code port redisUrl [postgresql://host:port/db user password]}. */
        static Settings of(String[] args) {
            PgConnectOptions database = args.length > 4
                    ? PgConnectOptions.fromUri(args[2]).setUser(args[3]).setPassword(args[4]) : null;
            return new Settings(Integer.parseInt(args[0]), args[1], database);
        }
    }

    private final Settings settings;
    protected Redis redis;
    protected Pool pool;

    protected NaiveServer(Settings settings) {
        this.settings = settings;
    }

    /** Deploys one server per event loop (one loop where the process is pinned to one CPU); exits if it cannot. */
    static void deploy(String what, Settings settings, Supplier<NaiveServer> server) {
        Vertx.vertx().deployVerticle(server::get,
                        new DeploymentOptions().setInstances(Runtime.getRuntime().availableProcessors()))
                .onSuccess(id -> System.out.println(what + " on port " + settings.port()))
                .onFailure(failure -> {
                    failure.printStackTrace();
                    System.exit(1);
                });
    }

    @Override
    public void start() {
        redis = Redis.createClient(vertx, new RedisOptions().setConnectionString(settings.redisUrl())
                .setMaxPoolSize(16).setMaxPoolWaiting(4096));
        if (settings.database() != null) {
            pool = PgBuilder.pool().with(new PoolOptions().setMaxSize(8)).connectingTo(settings.database())
                    .using(vertx).build();
        }
        vertx.createHttpServer(new HttpServerOptions().setPort(settings.port())).requestHandler(request -> {
            if (request.path().equals("/q/health/ready")) {
                request.response().end("UP");
            } else {
                handle(request);
            }
        }).listen();
    }

    /** Answers every request but the readiness probe. */
    protected abstract void handle(HttpServerRequest request);

    /** What a read found: the JSON ({@code null}: nothing there), and whether it came from the cache. */
    protected record Read(String json, String source) {
    }

    /**
     * Check, miss, load, set: {@code key} from Redis, else {@code load} (its JSON, or {@code null}), set with
     * {@code ttlSeconds} without waiting for it. No lease, no single flight: every concurrent miss loads.
     */
    protected Future<Read> checkMissLoadSet(String key, long ttlSeconds, Supplier<Future<String>> load) {
        return redis.send(Request.cmd(Command.GET).arg(key)).transform(cached -> {
            if (cached.succeeded() && cached.result() != null) {
                return Future.succeededFuture(new Read(cached.result().toString(), "HIT"));
            }
            return load.get().map(json -> {
                if (json != null) {
                    redis.send(Request.cmd(Command.SET).arg(key).arg(json).arg("EX").arg(ttlSeconds));
                }
                return new Read(json, "MISS");
            });
        });
    }

    /** 200 with what was read, 404 if nothing, 503 if it failed. */
    protected static void answer(HttpServerRequest request, Future<Read> read) {
        read.onComplete(done -> {
            if (done.failed()) {
                answer(request, 503, "MISS", "{}");
            } else if (done.result().json() == null) {
                answer(request, 404, done.result().source(), "{}");
            } else {
                answer(request, 200, done.result().source(), done.result().json());
            }
        });
    }

    /** The first row of a query as JSON, or {@code null} when there is none. */
    protected Future<String> firstRow(String sql, io.vertx.sqlclient.Tuple arguments,
                                      Function<io.vertx.sqlclient.Row, String> json) {
        return pool.preparedQuery(sql).execute(arguments)
                .map(rows -> rows.size() == 0 ? null : json.apply(rows.iterator().next()));
    }

    protected static void answer(HttpServerRequest request, int status, String source, String body) {
        request.response().setStatusCode(status).putHeader("content-type", "application/json")
                .putHeader("X-Cache", source).end(body);
    }
}
