package io.cachepatterns.bench.report;

import io.cachepatterns.testsupport.PostgresAddress;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Random;

/**
 * Queries PostgreSQL ran on one table, from {@code pg_stat_statements} (which the report's local server loads): what
 * a pattern cost the database, counted by the database, whoever sent them — a service or a naive baseline.
 */
final class QueryCounter {

    private final PostgresAddress superuser;
    private final String database;
    private final String table;

    QueryCounter(PostgresAddress superuser, String database, String table) {
        this.superuser = superuser;
        this.database = database;
        this.table = table;
        run("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
    }

    /** One request of a mix: the {@code i}th of a client, which has a random of its own. */
    @FunctionalInterface
    interface MixedRequest {
        void send(Random random, int i) throws Exception;
    }

    /** Something measured, which may throw. */
    @FunctionalInterface
    interface Action {
        void run() throws Exception;
    }

    /** Queries run on the table while {@code action} ran. */
    long during(Action action) throws Exception {
        long before = count();
        action.run();
        return count() - before;
    }

    /**
     * Queries per 1 000 requests of a mix from 4 clients, each request a {@code read} 95 times in 100 and a
     * {@code write} 5 times; then {@code settle} more (what the writes cause later: a write-behind flush).
     */
    double perThousandRequests(int requests, MixedRequest read, MixedRequest write, Duration settle)
            throws Exception {
        long queries = during(() -> {
            Clients.run(4, (client, random) -> {
                for (int i = 0; i < requests / 4; i++) {
                    (random.nextInt(100) < 5 ? write : read).send(random, i);
                }
            });
            Thread.sleep(settle.toMillis());
        });
        return queries * 1000.0 / requests;
    }

    /** Statements run so far that name the table (reads and writes), in this database. */
    long count() {
        try (Connection connection = DriverManager.getConnection(superuser.jdbcUrl(database), superuser.user(),
                superuser.password()); Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery("SELECT coalesce(sum(s.calls), 0) FROM pg_stat_statements s"
                     + " JOIN pg_database d ON d.oid = s.dbid WHERE d.datname = '" + database + "'"
                     + " AND s.query ~* '\\m" + table + "\\M' AND s.query NOT ILIKE '%pg_stat%'")) {
            rows.next();
            return rows.getLong(1);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read pg_stat_statements (is it loaded?)", e);
        }
    }

    private void run(String sql) {
        try (Connection connection = DriverManager.getConnection(superuser.jdbcUrl(database), superuser.user(),
                superuser.password()); Statement statement = connection.createStatement()) {
            statement.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException(sql, e);
        }
    }
}
