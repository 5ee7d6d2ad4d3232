package io.cachepatterns.metrics;

import io.cachepatterns.testsupport.PostgresAddress;
import io.cachepatterns.testsupport.TestServers;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/** The test database read and switched off past the application, over JDBC. */
final class Database {

    static final String NAME = "cachepatterns";

    private Database() {
    }

    static long counter(String itemId, String column) throws SQLException {
        try (Connection connection = connect(NAME);
             PreparedStatement select = connection.prepareStatement(
                     "SELECT " + column + " FROM item_counter WHERE item_id = ?")) {
            select.setString(1, itemId);
            try (ResultSet rows = select.executeQuery()) {
                return rows.next() ? rows.getLong(1) : 0;
            }
        }
    }

    /** Refuses new connections and ends the open ones: from the service's side, PostgreSQL is down. */
    static void cut() throws SQLException {
        try (Connection connection = connect("postgres"); Statement statement = connection.createStatement()) {
            statement.execute("ALTER DATABASE " + NAME + " ALLOW_CONNECTIONS false");
            statement.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + NAME
                    + "' AND pid <> pg_backend_pid()");
        }
    }

    static void restore() throws SQLException {
        try (Connection connection = connect("postgres"); Statement statement = connection.createStatement()) {
            statement.execute("ALTER DATABASE " + NAME + " ALLOW_CONNECTIONS true");
        }
    }

    static Connection connect(String database) throws SQLException {
        PostgresAddress db = TestServers.get().postgres();
        return DriverManager.getConnection(db.jdbcUrl(database), db.user(), db.password());
    }
}
