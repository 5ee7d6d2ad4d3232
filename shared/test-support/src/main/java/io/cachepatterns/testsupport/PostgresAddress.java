package io.cachepatterns.testsupport;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;

/** How to reach a PostgreSQL server, and the database the application uses there. */
public record PostgresAddress(String host, int port, String user, String password, String database) {

    public String jdbcUrl(String db) {
        return "jdbc:postgresql://" + host + ":" + port + "/" + db;
    }

    /** The URL form of the Vert.x reactive PostgreSQL client. */
    public String reactiveUrl(String db) {
        return "postgresql://" + host + ":" + port + "/" + db;
    }

    public PostgresAddress withDatabase(String db) {
        return new PostgresAddress(host, port, user, password, db);
    }

    /** CREATE DATABASE has no IF NOT EXISTS, hence the lookup first. */
    void createDatabase(String name) {
        if (!name.matches("[a-z_][a-z0-9_]{0,62}")) {
            throw new IllegalArgumentException("not a plain database name: " + name);
        }
        try (Connection connection = DriverManager.getConnection(jdbcUrl(database), user, password);
             Statement statement = connection.createStatement()) {
            try (var rows = statement.executeQuery("SELECT 1 FROM pg_database WHERE datname = '" + name + "'")) {
                if (rows.next()) {
                    return;
                }
            }
            statement.executeUpdate("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create database " + name + " at " + host + ":" + port, e);
        }
    }
}
