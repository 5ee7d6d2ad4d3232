package io.cachepatterns.testsupport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What must agree between PostgreSQL and Redis once a system has settled, whatever requests it was sent: a write
 * half done (committed but its invalidation lost, counted in Redis but never flushed, a like recorded but not
 * counted, a logout whose cached session lives on) shows up here as a difference.
 *
 * <p>Read from outside, as the services' own data: the product and profile caches hold each row's current version
 * or nothing; the outboxes are empty; every counter in Redis equals its row; every item's likes equal its likers;
 * no session is cached that the store has ended.
 */
public final class HalfWrittenState {

    private static final ObjectMapper JSON = new ObjectMapper();

    private HalfWrittenState() {
    }

    /** The differences found, after waiting up to {@code settle} for flushes and outbox deliveries to finish. */
    public static List<String> find(Servers servers, Duration settle) throws Exception {
        long deadline = System.nanoTime() + settle.toNanos();
        List<String> found;
        do {
            found = findNow(servers);
            if (found.isEmpty()) {
                return found;
            }
            Thread.sleep(500);
        } while (System.nanoTime() < deadline);
        return found;
    }

    private static List<String> findNow(Servers servers) throws Exception {
        List<String> found = new ArrayList<>();
        PostgresAddress postgres = servers.postgres();
        try (RedisCli redis = RedisCli.connect(servers.redisUrl());
             Connection catalog = connect(postgres, "catalog");
             Connection profile = connect(postgres, "profile");
             Connection metrics = connect(postgres, "metrics")) {
            found.addAll(emptyOutbox(catalog, "catalog"));
            found.addAll(emptyOutbox(profile, "profile"));
            found.addAll(cachedVersions(redis, catalog, "SELECT id, version FROM product", "catalog:products:v1:"));
            found.addAll(cachedVersions(redis, profile, "SELECT id, version FROM profile", "profile:profiles:v2:"));
            found.addAll(endedSessionsCached(redis, profile));
            found.addAll(countersFlushed(redis, metrics));
            found.addAll(likesCounted(metrics));
        }
        return found;
    }

    private static Connection connect(PostgresAddress postgres, String database) throws SQLException {
        return DriverManager.getConnection(postgres.jdbcUrl(database), postgres.user(), postgres.password());
    }

    private static List<String> emptyOutbox(Connection connection, String service) throws SQLException {
        long rows = single(connection, "SELECT count(*) FROM cache_outbox");
        return rows == 0 ? List.of() : List.of(service + ": " + rows + " invalidations still in the outbox");
    }

    /** A cached row must be the row's current version (or absent): an older one is an invalidation that was lost. */
    private static List<String> cachedVersions(RedisCli redis, Connection connection, String query, String prefix)
            throws Exception {
        List<String> found = new ArrayList<>();
        try (Statement statement = connection.createStatement(); ResultSet rows = statement.executeQuery(query)) {
            while (rows.next()) {
                String key = prefix + "{" + rows.getLong(1) + "}";
                // Cache-aside keeps the value as a string; write-through as a hash of version and value.
                JsonNode cached = parse("hash".equals(redis.call("TYPE", key)) ? redis.call("HGET", key, "d")
                        : redis.call("GET", key));
                if (cached != null && cached.has("version") && cached.get("version").asLong() != rows.getLong(2)) {
                    found.add(key + " caches version " + cached.get("version").asLong() + ", the row is at "
                            + rows.getLong(2));
                }
            }
        }
        return found;
    }

    private static List<String> endedSessionsCached(RedisCli redis, Connection profile) throws Exception {
        List<String> found = new ArrayList<>();
        for (String key : redis.keys("profile:sessions:v2:{*}")) {
            JsonNode cached = parse(redis.call("GET", key));
            if (cached == null || !cached.has("profileId")) {
                continue; // an unknown token remembered as absent
            }
            String hash = key.substring(key.indexOf('{') + 1, key.indexOf('}'));
            long live = single(profile, "SELECT count(*) FROM user_session WHERE token_hash = '" + hash
                    + "' AND revoked_at IS NULL AND expires_at > now()");
            if (live == 0) {
                found.add(key + " is cached, but its session has ended");
            }
        }
        return found;
    }

    /** Once the write-behind log is drained, every counter in Redis equals its row. */
    private static List<String> countersFlushed(RedisCli redis, Connection metrics) throws Exception {
        List<String> found = new ArrayList<>();
        Map<String, long[]> rows = new HashMap<>();
        try (Statement statement = metrics.createStatement();
             ResultSet result = statement.executeQuery("SELECT item_id, views, likes FROM item_counter")) {
            while (result.next()) {
                rows.put(result.getString(1), new long[] {result.getLong(2), result.getLong(3)});
            }
        }
        String prefix = "metrics:counters:v1:{wb}:";
        for (String key : redis.keys(prefix + "*")) {
            String item = key.substring(prefix.length());
            if (item.startsWith("idem:") || !"hash".equals(redis.call("TYPE", key))) {
                continue; // idempotency records (the first answer), the log, the dead letters
            }
            long[] row = rows.getOrDefault(item, new long[2]);
            long views = number(redis.call("HGET", key, "views"));
            long likes = number(redis.call("HGET", key, "likes"));
            if (views != row[0] || likes != row[1]) {
                found.add("counters of " + item + ": Redis " + views + " views, " + likes + " likes; PostgreSQL "
                        + row[0] + ", " + row[1]);
            }
        }
        return found;
    }

    /** Every like recorded is counted, and every item's likes are its likers. */
    private static List<String> likesCounted(Connection metrics) throws SQLException {
        List<String> found = new ArrayList<>();
        long owed = single(metrics, "SELECT count(*) FROM item_like WHERE NOT counted");
        if (owed > 0) {
            found.add(owed + " like changes recorded but never counted");
        }
        try (Statement statement = metrics.createStatement(); ResultSet rows = statement.executeQuery("""
                SELECT l.item_id, count(*) FILTER (WHERE l.liked), coalesce(max(c.likes), 0)
                  FROM item_like l LEFT JOIN item_counter c ON c.item_id = l.item_id
                 GROUP BY l.item_id
                HAVING count(*) FILTER (WHERE l.liked) <> coalesce(max(c.likes), 0)""")) {
            while (rows.next()) {
                found.add("item " + rows.getString(1) + " has " + rows.getLong(2) + " likers but counts "
                        + rows.getLong(3) + " likes");
            }
        }
        return found;
    }

    private static long single(Connection connection, String query) throws SQLException {
        try (Statement statement = connection.createStatement(); ResultSet rows = statement.executeQuery(query)) {
            rows.next();
            return rows.getLong(1);
        }
    }

    private static JsonNode parse(Object value) {
        if (!(value instanceof String text) || !text.startsWith("{")) {
            return null;
        }
        try {
            return JSON.readTree(text);
        } catch (java.io.IOException e) {
            return null;
        }
    }

    private static long number(Object value) {
        return value == null ? 0 : Long.parseLong(String.valueOf(value));
    }
}
