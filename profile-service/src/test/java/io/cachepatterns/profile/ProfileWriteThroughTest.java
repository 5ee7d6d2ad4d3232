package io.cachepatterns.profile;

import static io.cachepatterns.profile.ProfileApi.account;
import static io.cachepatterns.profile.ProfileApi.get;
import static io.cachepatterns.profile.ProfileApi.put;
import static io.cachepatterns.profile.ProfileApi.update;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.cachepatterns.profile.account.repository.ProfileRepository;
import io.cachepatterns.profile.account.service.ProfileView;
import io.cachepatterns.shared.core.RedisStore;
import io.cachepatterns.shared.invalidation.Invalidation;
import io.cachepatterns.shared.outbox.OutboxRelay;
import io.cachepatterns.shared.patterns.Caches;
import io.cachepatterns.shared.patterns.WriteThrough;
import io.cachepatterns.testsupport.PostgresAddress;
import io.cachepatterns.testsupport.RealServersResource;
import io.cachepatterns.testsupport.Servers;
import io.cachepatterns.testsupport.TestServers;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** Write-through's defining property: a read after a write is fresh, and comes from the cache. */
@QuarkusTest
@WithTestResource(RealServersResource.class)
class ProfileWriteThroughTest {

    @Inject
    MeterRegistry registry;

    @Inject
    Caches caches;

    @Inject
    OutboxRelay relay;

    @Inject
    RedisStore store;

    @Test
    void aNewProfileIsCachedByItsRegistration() {
        ProfileApi.Account account = account();
        long before = queries();
        get(account.id()).then().statusCode(200).header("X-Cache", "HIT")
                .body("username", org.hamcrest.Matchers.equalTo(account.username()));
        assertEquals(0, queries() - before, "no SELECT: the registration wrote the cache");
    }

    @Test
    void twoHundredReadsAfterWritesAreAllFreshAndAllHits() {
        ProfileApi.Account account = account();
        long before = queries();
        List<String> stale = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            String name = "name " + i;
            put(account, account.id(), update(name, "bio " + i)).then().statusCode(200);
            Response read = get(account.id());
            read.then().statusCode(200).header("X-Cache", "HIT");
            if (!name.equals(read.jsonPath().getString("displayName"))
                    || read.jsonPath().getLong("version") != i + 1) {
                stale.add(i + ": " + read.asString());
            }
        }
        assertThat(stale).as("stale reads").isEmpty();
        assertEquals(0, queries() - before, "every read came from the cache the writes filled");
    }

    @Test
    void eightConcurrentWritersLeaveTheCacheEqualToTheDatabase() throws Exception {
        ProfileApi.Account account = account();
        ExecutorService writers = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int w = 0; w < 8; w++) {
                int writer = w;
                done.add(writers.submit(() -> {
                    for (int i = 0; i < 10; i++) {
                        put(account, account.id(), update("writer " + writer + " #" + i, "concurrent"))
                                .then().statusCode(200);
                    }
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            writers.shutdown();
        }

        Response cached = get(account.id());
        cached.then().statusCode(200).header("X-Cache", "HIT");
        Row row = row(account.id());
        assertEquals(80, row.version(), "no update was lost");
        assertEquals(row.version(), cached.jsonPath().getLong("version"));
        assertEquals(row.displayName(), cached.jsonPath().getString("displayName"));
    }

    @Test
    void aCacheWriteThatFailsAfterTheCommitNeverLeavesTheOldValueReadable() throws Exception {
        Servers servers = TestServers.get();
        Assumptions.assumeTrue(servers.canStopRedis(), "these servers are not ours to freeze");
        ProfileApi.Account account = account();
        put(account, account.id(), update("before", "cached")).then().statusCode(200);
        get(account.id()).then().header("X-Cache", "HIT").body("displayName", org.hamcrest.Matchers.equalTo("before"));

        double failuresBefore = writeFailures();
        // Redis hangs with "before" in it; the write commits, its cache write times out.
        servers.freezeRedis();
        try {
            put(account, account.id(), update("after", "written while Redis hung")).then().statusCode(200)
                    .body("displayName", org.hamcrest.Matchers.equalTo("after"));
            assertEquals("after", get(account.id()).jsonPath().getString("displayName"));
        } finally {
            servers.thawRedis();
        }
        // Redis is back, still holding "before" until the background delete lands: never readable.
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        String source = "";
        while (System.nanoTime() < deadline && !"HIT".equals(source)) {
            Response read = get(account.id());
            read.then().statusCode(200);
            assertEquals("after", read.jsonPath().getString("displayName"));
            source = read.header("X-Cache");
            Thread.sleep(20);
        }
        assertEquals("HIT", source, "the old entry was deleted, and a miss cached the new value");
        assertEquals(1.0, writeFailures() - failuresBefore, 0.0, "the failed cache write was counted");
    }

    /**
     * A writer that committed and died before its cache write: the outbox relay delivers its row. A load that read
     * the database before that commit and fills the cache only now (a slow reader on another instance) must not
     * cache its older version: with the row delivered as a delete it did, and every read served it until the TTL.
     */
    @Test
    void aLoadThatReadTheDatabaseBeforeACommitCannotCacheItsOlderVersionAfterTheRelayDeliversIt() throws Exception {
        ProfileApi.Account account = account();
        put(account, account.id(), update("before", "cached")).then().statusCode(200);
        String id = String.valueOf(account.id());
        @SuppressWarnings("unchecked")
        WriteThrough<ProfileView> profiles = (WriteThrough<ProfileView>) caches.target("profiles").orElseThrow();
        // What the slow load read: the row before the commit (served from the cache here, the same value).
        ProfileView before = profiles.read(id, () -> Uni.createFrom().failure(new AssertionError("cached")))
                .await().atMost(Duration.ofSeconds(5)).value();
        assertEquals("before", before.displayName());

        // The writer's transaction, as its outbox records it, committed; then the writer died: no cache write.
        long committed = commitBehindTheCache(account.id(), "after", new Invalidation("profiles", id,
                before.version() + 1));
        awaitRelayed();

        // The slow load fills now, with what it read before the commit.
        profiles.read(id, () -> Uni.createFrom().item(before)).await().atMost(Duration.ofSeconds(5));
        Response read = get(account.id());
        read.then().statusCode(200);
        assertEquals("after", read.jsonPath().getString("displayName"), "the older version was cached");
        assertEquals(committed, read.jsonPath().getLong("version"));
    }

    /** Updates the row and records its outbox row in one transaction, past the application. Answers the version. */
    private static long commitBehindTheCache(long id, String displayName, Invalidation invalidation)
            throws Exception {
        PostgresAddress db = TestServers.get().postgres();
        try (Connection connection = DriverManager.getConnection(db.jdbcUrl("cachepatterns"), db.user(),
                db.password())) {
            connection.setAutoCommit(false);
            long version;
            try (PreparedStatement update = connection.prepareStatement("UPDATE profile SET display_name = ?,"
                    + " version = version + 1 WHERE id = ? RETURNING version")) {
                update.setString(1, displayName);
                update.setLong(2, id);
                try (ResultSet rows = update.executeQuery()) {
                    rows.next();
                    version = rows.getLong(1);
                }
            }
            assertEquals(invalidation.version(), version);
            try (PreparedStatement record = connection.prepareStatement("INSERT INTO cache_outbox"
                    + " (id, target, item, version, handed_over) VALUES (?, ?, ?, ?, true)")) {
                record.setString(1, UUID.randomUUID().toString());
                record.setString(2, invalidation.target());
                record.setString(3, invalidation.id());
                record.setLong(4, version);
                record.executeUpdate();
            }
            connection.commit();
            return version;
        }
    }

    /** Until the relay delivered every row and lowered the fence (reads here trust Redis again). */
    private void awaitRelayed() throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (System.nanoTime() < deadline) {
            relay.relayOnce().await().atMost(Duration.ofSeconds(5));
            if (relay.backlog() == 0 && !store.readsFenced()) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("the relay did not deliver the row within 15 s");
    }

    private double writeFailures() {
        return registry.get(io.cachepatterns.shared.metrics.CacheMetrics.WRITE_FAILURES).tag("cache", "profiles")
                .counter().count();
    }

    private long queries() {
        return (long) registry.get(ProfileRepository.QUERIES).tag("query", "profile-by-id").counter().count();
    }

    record Row(long version, String displayName) {
    }

    /** The row as PostgreSQL has it, read past the application. */
    private static Row row(long id) throws Exception {
        PostgresAddress db = TestServers.get().postgres();
        try (Connection connection = DriverManager.getConnection(db.jdbcUrl("cachepatterns"), db.user(),
                db.password());
             PreparedStatement select = connection.prepareStatement(
                     "SELECT version, display_name FROM profile WHERE id = ?")) {
            select.setLong(1, id);
            try (ResultSet rows = select.executeQuery()) {
                rows.next();
                return new Row(rows.getLong(1), rows.getString(2));
            }
        }
    }
}
