package io.cachepatterns.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The harness itself, on what a machine with a JDK alone has: the embedded Redis binary (forced here even where Redis
 * is installed), PostgreSQL as root or not, no {@code kill} program, no {@code redis-cli}. Every process operation the
 * other tests rely on is done once: freeze and thaw, a fast stop and a start on the same data, a cluster formed and
 * healthy, a primary under Sentinel.
 */
class LocalServersTest {

    @AfterEach
    void installedRedisAgain() {
        System.clearProperty(LocalRedis.EMBEDDED_PROPERTY);
    }

    @Test
    void aFrozenRedisAnswersNothingUntilThawed() {
        System.setProperty(LocalRedis.EMBEDDED_PROPERTY, "true");
        try (LocalRedis redis = LocalRedis.start(LocalServers.freePort())) {
            assertThat(redis.description()).doesNotContain("/usr/bin");
            redis.signal("STOP");
            assertThat(answers(redis)).as("PING answered while frozen").isFalse();
            redis.signal("CONT");
            assertThat(answers(redis)).as("PING answered after the thaw").isTrue();
        }
    }

    @Test
    void postgresStopsFastAndStartsAgainOnItsData() throws Exception {
        try (LocalPostgres postgres = LocalPostgres.start(LocalServers.freePort())) {
            PostgresAddress address = postgres.address();
            try (Connection connection = connect(address); Statement statement = connection.createStatement()) {
                statement.execute("CREATE TABLE kept (id int); INSERT INTO kept VALUES (42)");
            }
            postgres.stop();
            assertThat(Processes.accepts(address)).as("connections accepted while stopped").isFalse();
            postgres.start();
            try (Connection connection = connect(address); Statement statement = connection.createStatement();
                 ResultSet rows = statement.executeQuery("SELECT id FROM kept")) {
                assertThat(rows.next()).isTrue();
                assertThat(rows.getInt(1)).isEqualTo(42);
            }
        }
    }

    @Test
    void aClusterFormsWithoutRedisCli() {
        System.setProperty(LocalRedis.EMBEDDED_PROPERTY, "true");
        try (LocalRedisCluster cluster = LocalRedisCluster.start();
             RedisCli cli = RedisCli.connect(cluster.url())) {
            for (int i = 0; i < 20; i++) {
                cli.call("SET", "key-" + i, "value-" + i); // over every primary, following MOVED
            }
            assertThat(cli.call("GET", "key-7")).isEqualTo("value-7");
            assertThat(String.valueOf(cli.call("CLUSTER", "INFO"))).contains("cluster_size:3", "cluster_known_nodes:6");
            List<String> roles = cluster.servers().stream().map(node -> {
                try (RedisCli each = RedisCli.connect(node.url())) {
                    return String.valueOf(each.call("ROLE")).contains("master") ? "primary" : "replica";
                }
            }).toList();
            assertThat(roles).containsExactlyInAnyOrder("primary", "primary", "primary", "replica", "replica",
                    "replica");
        }
    }

    @Test
    void sentinelWatchesAPrimary() {
        System.setProperty(LocalRedis.EMBEDDED_PROPERTY, "true");
        try (LocalRedisSentinel sentinel = LocalRedisSentinel.start();
             RedisCli cli = RedisCli.connect(sentinel.hosts())) { // the first sentinel
            assertThat(String.valueOf(cli.call("SENTINEL", "GET-MASTER-ADDR-BY-NAME", LocalRedisSentinel.MASTER_NAME)))
                    .contains("127.0.0.1");
            assertThat(String.valueOf(cli.call("SENTINEL", "REPLICAS", LocalRedisSentinel.MASTER_NAME)))
                    .contains("slave");
        }
    }

    private static boolean answers(LocalRedis redis) {
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", redis.port())) {
            socket.setSoTimeout(500);
            socket.getOutputStream().write("PING\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            return new String(socket.getInputStream().readNBytes(5), java.nio.charset.StandardCharsets.US_ASCII)
                    .equals("+PONG");
        } catch (java.io.IOException e) {
            return false;
        }
    }

    private static Connection connect(PostgresAddress address) throws Exception {
        return DriverManager.getConnection(address.jdbcUrl(address.database()), address.user(), address.password());
    }
}
