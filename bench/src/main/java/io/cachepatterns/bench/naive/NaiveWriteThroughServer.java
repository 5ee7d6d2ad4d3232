package io.cachepatterns.bench.naive;

import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;

/**
 * The seed's write-through, transposed to Java as it is written there, as the report's baseline for profile-service:
 * a write updates the row, then sets the new value in Redis; a read checks Redis, and on a miss loads and sets. No
 * version on the cached value and no lock: two writes of one profile can set their values in the other order than
 * they committed, and the cache then keeps the older one until its TTL. No authentication either (it is not the
 * point). Never used by a service; it serves {@code GET} and {@code PUT /profiles/{id}} over profile's own table.
 *
 * <p>Arguments: port, Redis URL, PostgreSQL URL ({@code postgresql://host:port/db}), user, password, TTL seconds.
 */
public final class NaiveWriteThroughServer extends NaiveServer {

    private static final String KEY_PREFIX = "naive:profiles:";
    private static final String COLUMNS = "id, username, display_name, email, bio, version";

    private final long ttlSeconds;

    private NaiveWriteThroughServer(Settings settings, long ttlSeconds) {
        super(settings);
        this.ttlSeconds = ttlSeconds;
    }

    public static void main(String[] args) {
        Settings settings = Settings.of(args);
        long ttl = Long.parseLong(args[5]);
        deploy("naive write-through", settings, () -> new NaiveWriteThroughServer(settings, ttl));
    }

    @Override
    protected void handle(HttpServerRequest request) {
        String path = request.path();
        long id = Long.parseLong(path.substring(path.lastIndexOf('/') + 1));
        if (request.method().name().equals("GET")) {
            answer(request, checkMissLoadSet(KEY_PREFIX + id, ttlSeconds, () -> firstRow("SELECT " + COLUMNS
                    + " FROM profile WHERE id = $1", Tuple.of(id), NaiveWriteThroughServer::json)));
        } else {
            request.body().onSuccess(body -> write(request, id, body.toJsonObject()));
        }
    }

    /** Update, then set the new value. */
    private void write(HttpServerRequest request, long id, JsonObject input) {
        firstRow("UPDATE profile SET display_name = $2, email = $3, bio = $4, version = version + 1,"
                        + " updated_at = now() WHERE id = $1 RETURNING " + COLUMNS,
                Tuple.of(id, input.getString("displayName"), input.getString("email"), input.getString("bio")),
                NaiveWriteThroughServer::json)
                .onComplete(updated -> {
                    if (updated.failed()) {
                        answer(request, 503, "-", "{}");
                    } else if (updated.result() == null) {
                        answer(request, 404, "-", "{}");
                    } else {
                        redis.send(Request.cmd(Command.SET).arg(KEY_PREFIX + id).arg(updated.result()).arg("EX")
                                .arg(ttlSeconds)).onComplete(set -> answer(request, 200, "-", updated.result()));
                    }
                });
    }

    private static String json(Row row) {
        return new JsonObject().put("id", row.getLong("id")).put("username", row.getString("username"))
                .put("displayName", row.getString("display_name")).put("email", row.getString("email"))
                .put("bio", row.getString("bio")).put("version", row.getLong("version")).encode();
    }
}
