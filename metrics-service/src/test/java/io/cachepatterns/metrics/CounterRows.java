package io.cachepatterns.metrics;

import io.cachepatterns.testsupport.Servers;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/** What PostgreSQL holds of a counter, read from outside the service, as the black-box tests check it. */
final class CounterRows {

    private CounterRows() {
    }

    /** An item's views in {@code database}'s {@code item_counter} table; 0 if it has no row yet. */
    static long views(Servers servers, String database, String item) throws SQLException {
        var db = servers.postgres();
        try (Connection connection = DriverManager.getConnection(db.jdbcUrl(database), db.user(), db.password());
             PreparedStatement select = connection.prepareStatement(
                     "SELECT views FROM item_counter WHERE item_id = ?")) {
            select.setString(1, item);
            try (ResultSet rows = select.executeQuery()) {
                return rows.next() ? rows.getLong(1) : 0;
            }
        }
    }
}
