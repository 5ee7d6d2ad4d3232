package io.cachepatterns.bench.naive;

import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.math.BigDecimal;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The seed's cache-aside and near cache, transposed to Java as they are written there, as the report's baselines for
 * catalog-service. Products: a read checks Redis, and on a miss loads the row and sets it with a TTL; a write updates
 * the row, then deletes the key. No lease, no single flight, no version check: every concurrent miss loads, and a
 * load that read the row before a write can set the old value after the write's delete, where it stays until the
 * TTL. Flags: a map in the process in front of Redis, each copy trusted for 5 s (catalog-service's L1 TTL); a write
 * deletes the Redis key and this process's copy, and nothing tells the other instances, which answer the old value
 * until their copy expires. Never used by a service; it serves {@code GET} and {@code PUT /products/{id}} and
 * {@code /flags/{name}} over the catalog's own tables, for comparison.
 *
 * <p>Arguments: port, Redis URL, PostgreSQL URL ({@code postgresql://host:port/db}), user, password, TTL seconds.
 */
public final class NaiveCatalogServer extends NaiveServer {

    private static final String PRODUCT_PREFIX = "naive:products:";
    private static final String PRODUCT_COLUMNS = "id, sku, name, description, price, currency, category, version";
    private static final String FLAG_PREFIX = "naive:flags:";
    private static final long FLAG_COPY_NANOS = 5_000_000_000L;

    /** A flag's JSON in this process, and when it was copied. */
    private record Copy(String json, long copiedAt) {
    }

    /** The process's flag copies, shared by its event loops. */
    private static final Map<String, Copy> FLAGS = new ConcurrentHashMap<>();

    private final long ttlSeconds;

    private NaiveCatalogServer(Settings settings, long ttlSeconds) {
        super(settings);
        this.ttlSeconds = ttlSeconds;
    }

    public static void main(String[] args) {
        Settings settings = Settings.of(args);
        long ttl = Long.parseLong(args[5]);
        deploy("naive catalog", settings, () -> new NaiveCatalogServer(settings, ttl));
    }

    @Override
    protected void handle(HttpServerRequest request) {
        String path = request.path();
        String last = path.substring(path.lastIndexOf('/') + 1);
        boolean get = request.method().name().equals("GET");
        if (path.startsWith("/flags/")) {
            if (get) {
                readFlag(request, last);
            } else {
                request.body().onSuccess(body -> writeFlag(request, last, body.toJsonObject()));
            }
        } else if (get) {
            long id = Long.parseLong(last);
            answer(request, checkMissLoadSet(PRODUCT_PREFIX + id, ttlSeconds, () -> firstRow("SELECT "
                    + PRODUCT_COLUMNS + " FROM product WHERE id = $1", Tuple.of(id), NaiveCatalogServer::product)));
        } else {
            request.body().onSuccess(body -> writeProduct(request, Long.parseLong(last), body.toJsonObject()));
        }
    }

    /** Update, then delete. */
    private void writeProduct(HttpServerRequest request, long id, JsonObject input) {
        firstRow("UPDATE product SET name = $2, description = $3, price = $4, version = version + 1,"
                        + " updated_at = now() WHERE id = $1 RETURNING " + PRODUCT_COLUMNS,
                Tuple.of(id, input.getString("name"), input.getString("description"),
                        new BigDecimal(input.getString("price"))), NaiveCatalogServer::product)
                .onComplete(updated -> {
                    if (updated.failed()) {
                        answer(request, 503, "-", "{}");
                    } else if (updated.result() == null) {
                        answer(request, 404, "-", "{}");
                    } else {
                        redis.send(Request.cmd(Command.DEL).arg(PRODUCT_PREFIX + id))
                                .onComplete(deleted -> answer(request, 200, "-", updated.result()));
                    }
                });
    }

    /** This process's copy if younger than 5 s, else check, miss, load, set — and copy what was read. */
    private void readFlag(HttpServerRequest request, String name) {
        Copy copy = FLAGS.get(name);
        if (copy != null && System.nanoTime() - copy.copiedAt() < FLAG_COPY_NANOS) {
            answer(request, 200, "HIT", copy.json());
            return;
        }
        answer(request, checkMissLoadSet(FLAG_PREFIX + name, ttlSeconds, () -> firstRow("SELECT name, enabled,"
                + " description FROM flag WHERE name = $1", Tuple.of(name), row -> new JsonObject()
                .put("name", row.getString("name")).put("enabled", row.getBoolean("enabled"))
                .put("description", row.getString("description")).encode()))
                .onSuccess(read -> {
                    if (read.json() != null) {
                        FLAGS.put(name, new Copy(read.json(), System.nanoTime()));
                    }
                }));
    }

    /** Upsert, delete the Redis key and this process's copy. */
    private void writeFlag(HttpServerRequest request, String name, JsonObject input) {
        pool.preparedQuery("INSERT INTO flag (name, enabled, description, updated_at) VALUES ($1, $2, $3, now())"
                        + " ON CONFLICT (name) DO UPDATE SET enabled = EXCLUDED.enabled,"
                        + " description = EXCLUDED.description, updated_at = now()")
                .execute(Tuple.of(name, input.getBoolean("enabled"), input.getString("description")))
                .onComplete(done -> {
                    if (done.failed()) {
                        answer(request, 503, "-", "{}");
                        return;
                    }
                    FLAGS.remove(name);
                    redis.send(Request.cmd(Command.DEL).arg(FLAG_PREFIX + name)).onComplete(deleted -> answer(
                            request, 200, "-", input.copy().put("name", name).encode()));
                });
    }

    private static String product(Row row) {
        return new JsonObject().put("id", row.getLong("id")).put("sku", row.getString("sku"))
                .put("name", row.getString("name")).put("description", row.getString("description"))
                .put("price", row.getBigDecimal("price").toPlainString()).put("currency", row.getString("currency"))
                .put("category", row.getString("category")).put("version", row.getLong("version")).encode();
    }
}
