package io.cachepatterns.metrics.item.repository;

import io.cachepatterns.metrics.item.ItemCounter;
import io.cachepatterns.shared.patterns.writebehind.WriteBehind;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.sqlclient.DatabaseException;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Counters in PostgreSQL, written by the write-behind flusher in one statement per batch. Every statement is
 * counted ({@code db_statements_total{statement=…}}): what write-behind saves, and what the tests assert on.
 */
@ApplicationScoped
public class CounterRepository implements WriteBehind.BatchWriter, WriteBehind.Loader {

    /**
     * One statement for a whole batch; a row is replaced only by a newer version (log entry id, then revision), so
     * a replay changes nothing and an older value never overwrites a newer one.
     */
    private static final String UPSERT_BATCH = """
            INSERT INTO item_counter (item_id, views, likes, log_millis, log_seq, revision)
            SELECT * FROM unnest($1::varchar[], $2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[], $6::bigint[])
            ON CONFLICT (item_id) DO UPDATE
               SET views = EXCLUDED.views, likes = EXCLUDED.likes, log_millis = EXCLUDED.log_millis,
                   log_seq = EXCLUDED.log_seq, revision = EXCLUDED.revision, updated_at = now()
             WHERE (item_counter.log_millis, item_counter.log_seq, item_counter.revision)
                 < (EXCLUDED.log_millis, EXCLUDED.log_seq, EXCLUDED.revision)
            """;

    private static final String INCREMENT_DIRECTLY = """
            INSERT INTO item_counter (item_id, views, likes) VALUES ($1, GREATEST($2, 0), GREATEST($3, 0))
            ON CONFLICT (item_id) DO UPDATE
               SET views = GREATEST(item_counter.views + $2, 0), likes = GREATEST(item_counter.likes + $3, 0),
                   updated_at = now()
            RETURNING views, likes
            """;

    /**
     * SQL state classes in which PostgreSQL refuses the rows themselves: data exceptions (22), integrity constraints
     * (23), and errors raised by PL/pgSQL, a trigger say (P0). Connection failures (08), shutdowns (57), too many
     * connections (53), and a database that accepts no connections at all (55000) are about the database, not the
     * rows.
     */
    private static final Set<String> ROW_REFUSALS = Set.of("22", "23", "P0");

    private final Pool pool;
    private final Counter batchStatements;
    private final Counter directStatements;

    public CounterRepository(Pool pool, MeterRegistry registry) {
        this.pool = pool;
        this.batchStatements = registry.counter("db.statements", "statement", "counter-batch");
        this.directStatements = registry.counter("db.statements", "statement", "counter-direct");
    }

    @Override
    public Uni<Void> write(List<WriteBehind.Row> rows) {
        int n = rows.size();
        String[] ids = new String[n];
        Long[] views = new Long[n];
        Long[] likes = new Long[n];
        Long[] millis = new Long[n];
        Long[] seqs = new Long[n];
        Long[] revisions = new Long[n];
        for (int i = 0; i < n; i++) {
            WriteBehind.Row row = rows.get(i);
            ids[i] = row.id();
            views[i] = row.values().get("views");
            likes[i] = row.values().get("likes");
            millis[i] = row.logId().millis();
            seqs[i] = row.logId().sequence();
            revisions[i] = row.revision();
        }
        batchStatements.increment();
        return pool.preparedQuery(UPSERT_BATCH).execute(Tuple.of(ids, views, likes, millis, seqs, revisions)).replaceWithVoid();
    }

    /** Only PostgreSQL answering "not these rows" may dead-letter a counter; an outage never does. */
    @Override
    public boolean isRefusal(Throwable failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
            if (cause instanceof DatabaseException refused && refused.getSqlState() != null) {
                return ROW_REFUSALS.contains(refused.getSqlState().substring(0, 2));
            }
        }
        return false;
    }

    @Override
    public Uni<Map<String, Long>> load(String id) {
        return pool.preparedQuery("SELECT views, likes FROM item_counter WHERE item_id = $1").execute(Tuple.of(id))
                .map(rows -> rows.size() == 0 ? null : values(rows.iterator().next()));
    }

    /** Without write-behind: one statement per increment, answered after the commit. */
    public Uni<Map<String, Long>> incrementDirectly(String id, long views, long likes) {
        directStatements.increment();
        return pool.preparedQuery(INCREMENT_DIRECTLY).execute(Tuple.of(id, views, likes))
                .map(rows -> values(rows.iterator().next()));
    }

    /** The most viewed (or liked) items, as the database has them. */
    public Uni<List<ItemCounter>> top(String metric, int limit) {
        String column = metric.equals("likes") ? "likes" : "views"; // never user text in SQL
        return pool.preparedQuery("SELECT item_id, views, likes FROM item_counter ORDER BY " + column
                        + " DESC, item_id LIMIT $1").execute(Tuple.of(limit))
                .map(rows -> {
                    List<ItemCounter> top = new ArrayList<>();
                    for (Row row : rows) {
                        top.add(new ItemCounter(row.getString("item_id"), row.getLong("views"),
                                row.getLong("likes")));
                    }
                    return top;
                });
    }

    private static Map<String, Long> values(Row row) {
        Map<String, Long> values = new LinkedHashMap<>();
        values.put("views", row.getLong("views"));
        values.put("likes", row.getLong("likes"));
        return values;
    }
}
