package io.cachepatterns.bench.naive;

import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Tuple;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The seed's write-behind and sorted-set write-through, transposed to Java as they are usually written, as the
 * report's baselines for metrics-service. Counters: an increment is added to the count in Redis (what reads see) and
 * to a buffer in the server's memory, answered, and the buffer is written to PostgreSQL once a second, one upsert per
 * item. No durable log: the buffer dies with the process (a {@code kill -9} loses up to a second of acknowledged
 * increments), and a flush that fails is logged and dropped (a database outage loses what was buffered during it).
 * Never used by a service; it serves {@code POST /items/{id}/views} and {@code GET /items/{id}/stats} over metrics' own table.
 *
 * <p>Leaderboards: a score is upserted (the best counts), then {@code ZADD} to the board's sorted set; a read takes
 * the top of the set, and when the set is missing loads every score of the board and adds them. No {@code GT}: of
 * two scores of one player written at once, the lower one's {@code ZADD} can land last and stay, below what the
 * database holds; and every concurrent reader of a missing set loads the board. It serves
 * {@code POST /leaderboards/{board}/scores}, {@code GET /leaderboards/{board}} and
 * {@code GET /leaderboards/{board}/players/{player}}.
 *
 * <p>Arguments: port, Redis URL, PostgreSQL URL ({@code postgresql://host:port/db}), user, password.
 */
public final class NaiveMetricsServer extends NaiveServer {

    private static final String KEY_PREFIX = "naive:views:";
    private static final String BOARD_PREFIX = "naive:board:";
    /** Views added since the last flush, by item: shared by every event loop's verticle. */
    private static final Map<String, Long> BUFFER = new ConcurrentHashMap<>();
    private static final AtomicBoolean FLUSHING = new AtomicBoolean();

    private NaiveMetricsServer(Settings settings) {
        super(settings);
    }

    public static void main(String[] args) {
        Settings settings = Settings.of(args);
        deploy("naive metrics", settings, () -> new NaiveMetricsServer(settings));
    }

    @Override
    public void start() {
        super.start();
        if (FLUSHING.compareAndSet(false, true)) { // one flusher per process, on the first event loop's pool
            vertx.setPeriodic(1_000, tick -> flush(pool));
        }
    }

    /** Takes what the buffer holds and upserts it item by item; a failed upsert is dropped. */
    private static void flush(Pool pool) {
        for (String item : BUFFER.keySet()) {
            Long views = BUFFER.remove(item);
            if (views == null) {
                continue;
            }
            pool.preparedQuery("INSERT INTO item_counter (item_id, views) VALUES ($1, $2) ON CONFLICT (item_id)"
                            + " DO UPDATE SET views = item_counter.views + EXCLUDED.views, updated_at = now()")
                    .execute(Tuple.of(item, views))
                    .onFailure(failure -> System.out.println("flush of " + item + " failed, dropped: " + failure));
        }
    }

    @Override
    protected void handle(HttpServerRequest request) {
        String[] parts = request.path().split("/"); // "", "items", id, "views" | "stats"; "", "leaderboards", …
        if (parts.length == 4 && parts[3].equals("views")) {
            increment(request, parts[2]);
        } else if (parts.length == 4 && parts[3].equals("stats")) {
            answer(request, checkMissLoadSet(KEY_PREFIX + parts[2], 300, () -> firstRow("SELECT views FROM"
                    + " item_counter WHERE item_id = $1", Tuple.of(parts[2]), row -> String.valueOf(row.getLong(0))))
                    .map(read -> new Read(stats(parts[2], read.json() == null ? 0 : Long.parseLong(read.json())),
                            read.source())));
        } else if (parts.length == 4 && parts[3].equals("scores")) {
            request.body().onSuccess(body -> score(request, parts[2], body.toJsonObject()));
        } else if (parts.length == 3) {
            top(request, parts[2], Integer.parseInt(java.util.Objects.requireNonNullElse(request.getParam("limit"),
                    "10")));
        } else {
            player(request, parts[2], parts[4]);
        }
    }

    /** Count in Redis, buffer for the database, answer. */
    private void increment(HttpServerRequest request, String item) {
        redis.send(Request.cmd(Command.INCR).arg(KEY_PREFIX + item)).onComplete(counted -> {
            if (counted.failed()) {
                answer(request, 503, "-", "{}");
                return;
            }
            BUFFER.merge(item, 1L, Long::sum);
            answer(request, 202, "-", new JsonObject().put("itemId", item).put("views", counted.result().toLong())
                    .encode());
        });
    }

    /** Upsert the best score, then add it to the set (no GT). */
    private void score(HttpServerRequest request, String board, JsonObject input) {
        String player = input.getString("player");
        long score = input.getLong("score");
        pool.preparedQuery("INSERT INTO leaderboard_score (board, player, score, updated_at) VALUES ($1, $2, $3, now())"
                        + " ON CONFLICT (board, player) DO UPDATE SET score = greatest(leaderboard_score.score,"
                        + " EXCLUDED.score), updated_at = now()")
                .execute(Tuple.of(board, player, score))
                .onComplete(done -> {
                    if (done.failed()) {
                        answer(request, 503, "-", "{}");
                        return;
                    }
                    redis.send(Request.cmd(Command.ZADD).arg(BOARD_PREFIX + board).arg(score).arg(player))
                            .onComplete(added -> answer(request, 200, "-", new JsonObject().put("member", player)
                                    .put("score", score).encode()));
                });
    }

    /** The top of the set; a missing set is loaded from every score of the board first. */
    private void top(HttpServerRequest request, String board, int limit) {
        String key = BOARD_PREFIX + board;
        redis.send(Request.cmd(Command.EXISTS).arg(key)).onComplete(exists -> {
            if (exists.failed()) {
                answer(request, 503, "-", "{}");
            } else if (exists.result().toLong() == 1) {
                answerTop(request, board, limit);
            } else {
                pool.preparedQuery("SELECT player, score FROM leaderboard_score WHERE board = $1")
                        .execute(Tuple.of(board)).onComplete(rows -> {
                            if (rows.failed()) {
                                answer(request, 503, "-", "{}");
                                return;
                            }
                            if (rows.result().size() == 0) {
                                answerTop(request, board, limit);
                                return;
                            }
                            Request add = Request.cmd(Command.ZADD).arg(key);
                            rows.result().forEach(row -> add.arg(row.getLong("score")).arg(row.getString("player")));
                            redis.send(add).onComplete(added -> answerTop(request, board, limit));
                        });
            }
        });
    }

    private void answerTop(HttpServerRequest request, String board, int limit) {
        redis.send(Request.cmd(Command.ZREVRANGE).arg(BOARD_PREFIX + board).arg(0).arg(limit - 1).arg("WITHSCORES"))
                .onComplete(range -> {
                    if (range.failed()) {
                        answer(request, 503, "-", "{}");
                        return;
                    }
                    JsonArray entries = new JsonArray();
                    Response members = range.result();
                    boolean paired = members.size() > 0 && members.get(0).size() == 2; // RESP3 pairs, RESP2 a flat list
                    int step = paired ? 1 : 2;
                    for (int i = 0; i < members.size(); i += step) {
                        String member = paired ? members.get(i).get(0).toString() : members.get(i).toString();
                        long score = paired ? members.get(i).get(1).toLong() : members.get(i + 1).toLong();
                        entries.add(new JsonObject().put("rank", i / step + 1).put("member", member)
                                .put("score", score));
                    }
                    answer(request, 200, "-", new JsonObject().put("board", board).put("entries", entries).encode());
                });
    }

    private void player(HttpServerRequest request, String board, String player) {
        redis.send(Request.cmd(Command.ZSCORE).arg(BOARD_PREFIX + board).arg(player)).onComplete(score -> {
            if (score.failed()) {
                answer(request, 503, "-", "{}");
            } else if (score.result() == null) {
                answer(request, 404, "-", "{}");
            } else {
                answer(request, 200, "-", new JsonObject().put("member", player).put("score", score.result().toLong())
                        .encode());
            }
        });
    }

    private static String stats(String item, long views) {
        return new JsonObject().put("itemId", item).put("views", views).encode();
    }

}
