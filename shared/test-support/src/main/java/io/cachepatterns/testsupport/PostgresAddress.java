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

    /**
     * A database owned by a role of the same name that may do nothing else, with a password made up here: how the
     * deployments give each service its own (k8s/components/data/postgres/init-databases.sh). A database that exists
     * already (a server someone else runs) is answered as it is, with these credentials.
     */
    PostgresAddress createOwnedDatabase(String name) {
        if (!name.matches("[a-z_][a-z0-9_]{0,62}")) {
            throw new IllegalArgumentException("not a plain database name: " + name);
        }
        byte[] random = new byte[18];
        new java.security.SecureRandom().nextBytes(random);
        String rolePassword = java.util.HexFormat.of().formatHex(random);
        try (Connection connection = DriverManager.getConnection(jdbcUrl(database), user, password);
             Statement statement = connection.createStatement()) {
            try (var rows = statement.executeQuery("SELECT 1 FROM pg_database WHERE datname = '" + name + "'")) {
                if (rows.next()) {
                    return withDatabase(name);
                }
            }
            boolean roleExists;
            try (var rows = statement.executeQuery("SELECT 1 FROM pg_roles WHERE rolname = '" + name + "'")) {
                roleExists = rows.next();
            }
            statement.executeUpdate((roleExists ? "ALTER ROLE " : "CREATE ROLE ") + name + " LOGIN PASSWORD '"
                    + rolePassword + "' NOSUPERUSER NOCREATEDB NOCREATEROLE");
            statement.executeUpdate("CREATE DATABASE " + name + " OWNER " + name);
            statement.executeUpdate("REVOKE ALL ON DATABASE " + name + " FROM PUBLIC");
            return new PostgresAddress(host, port, name, rolePassword, name);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create database " + name + " at " + host + ":" + port, e);
        }
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
