package io.cachepatterns.bench.report;

import io.cachepatterns.testsupport.PostgresAddress;
import io.cachepatterns.testsupport.RedisCli;
import java.net.URI;
import java.time.Duration;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.HdrHistogram.Histogram;

/**
 * The write-through row (profile-service's profiles) measured for one target — the service or the naive baseline —
 * over profiles registered for it: reads on a hit and after the cache lost them, writes by their owners, database
 * queries at a read:write mix, loads for a cold stampede, and two writes of one profile from instances at different
 * distances from the database: whether the cache ends holding what the database holds.
 */
final class WriteThroughRow {

    /** A registered profile and its owner's {@code Authorization} header. */
    record Profile(long id, String bearer) {
    }

    /**
     * A target: where it answers, a second instance farther from the database, and the pattern of its cache keys in
     * Redis (deleted for misses).
     */
    record Target(URI base, URI far, String keyPattern) {
    }

    /** What one target measured. */
    record Figures(Histogram hits, Histogram misses, Histogram writes, double queriesPer1000, long stampedeLoads,
                   Freshness freshness, int staleReadsAfterWrite) implements Measured {
    }

    private final HttpProbe anyone = new HttpProbe(null);
    private final QueryCounter queries;
    private final PostgresAddress database;
    private final String redisUrl;
    private final boolean quick;

    WriteThroughRow(QueryCounter queries, PostgresAddress database, String redisUrl, boolean quick) {
        this.queries = queries;
        this.database = database;
        this.redisUrl = redisUrl;
        this.quick = quick;
    }

    Figures measure(Target target, List<Profile> profiles) throws Exception {
        int samples = quick ? 200 : 1_000;
        List<Profile> warm = profiles.subList(0, profiles.size() - 1);
        for (Profile profile : warm) {
            anyone.get(profile(target, profile));
        }
        Histogram hits = HttpProbe.histogram();
        for (int i = 0; i < samples; i++) {
            hits.recordValue(anyone.get(profile(target, warm.get(i % warm.size()))).expect(200).micros());
        }
        Histogram misses = HttpProbe.histogram();
        while (misses.getTotalCount() < samples / 4) {
            forget(target);
            for (Profile profile : warm) {
                misses.recordValue(anyone.get(profile(target, profile)).expect(200).micros());
            }
        }
        Histogram writes = HttpProbe.histogram();
        int staleReads = 0;
        for (int i = 0; i < samples / 4; i++) {
            Profile profile = warm.get(i % warm.size());
            String name = "written " + i;
            writes.recordValue(anyone.put(profile(target, profile), update(name), profile.bearer()).expect(200)
                    .micros());
            if (!anyone.get(profile(target, profile)).expect(200).body().contains("\"" + name + "\"")) {
                staleReads++;
            }
        }
        double queriesPer1000 = queries.perThousandRequests(quick ? 1_000 : 4_000,
                (random, i) -> anyone.get(profile(target, warm.get(random.nextInt(warm.size())))).expect(200),
                (random, i) -> {
                    Profile profile = warm.get(random.nextInt(warm.size()));
                    anyone.put(profile(target, profile), update("mix " + i), profile.bearer()).expect(200);
                }, Duration.ZERO);
        Profile cold = profiles.get(profiles.size() - 1);
        forget(target);
        long stampedeLoads = queries.during(() -> anyone.getsAtOnce(profile(target, cold), 200)
                .forEach(answer -> answer.expect(200)));

        int trials = quick ? 6 : 30;
        Freshness freshness = Freshness.forRaces(quick);
        for (int trial = 0; trial < trials; trial++) {
            race(target, warm.get(trial % warm.size()), trial, freshness);
        }
        return new Figures(hits, misses, writes, queriesPer1000, stampedeLoads, freshness, staleReads);
    }

    /**
     * A write from the far instance, and a few milliseconds later (2 to 38, by trial: where the race is depends on
     * how many round trips a write takes) one from the near instance: the near one can reach the database second and
     * commit last, yet be answered first, and the far one's answer — an older value — come after it. Once both are
     * answered, how long until the cached copy (a read the target answers from its cache) holds the name the database
     * holds? A cache left older stays so until the TTL.
     */
    private void race(Target target, Profile profile, int trial, Freshness freshness) throws Exception {
        ExecutorService farWriter = Executors.newSingleThreadExecutor();
        try {
            URI far = target.far().resolve("/profiles/" + profile.id());
            Future<HttpProbe.Answer> first = farWriter.submit(() -> anyone.put(far,
                    update("race " + trial + " far"), profile.bearer()));
            Thread.sleep(2 + (trial % 10) * 4L);
            anyone.put(profile(target, profile), update("race " + trial + " near"), profile.bearer()).expect(200);
            first.get().expect(200);
        } finally {
            farWriter.shutdown();
        }
        long bothAnswered = System.nanoTime();
        String inDatabase = "\"displayName\":\"" + displayName(profile.id()) + "\"";
        freshness.await(bothAnswered, () -> anyone.get(profile(target, profile)).expect(200).body()
                .contains(inDatabase));
    }

    /** Deletes the target's cached profiles: the next reads are misses. */
    private void forget(Target target) {
        try (RedisCli redis = RedisCli.connect(redisUrl)) {
            for (String key : redis.keys(target.keyPattern())) {
                redis.call("DEL", key);
            }
        }
    }

    private String displayName(long id) throws Exception {
        try (Connection connection = DriverManager.getConnection(database.jdbcUrl("profile"), database.user(),
                database.password());
             PreparedStatement select = connection.prepareStatement("SELECT display_name FROM profile WHERE id = ?")) {
            select.setLong(1, id);
            try (ResultSet rows = select.executeQuery()) {
                rows.next();
                return rows.getString(1);
            }
        }
    }

    private static URI profile(Target target, Profile profile) {
        return target.base().resolve("/profiles/" + profile.id());
    }

    private static String update(String displayName) {
        return "{\"displayName\":\"" + displayName + "\",\"email\":\"someone@example.org\",\"bio\":\"the report\"}";
    }

    static Report.Row row(Figures library, Figures naive) {
        Report.Row row = Measured.row("write-through", "profiles", library, naive);
        row.each("staleness", library, naive, WriteThroughRow::cacheBehind);
        row.both("lost", Report.Cell.na("the database is written before the answer"));
        row.both("upstream", Report.Cell.na("profiles come from the service's own database"));
        return row;
    }

    private static Report.Cell cacheBehind(Figures figures) {
        return Report.Cell.of("a write from an instance 10 ms from the database, then 2–38 ms later one from an"
                        + " instance 1 ms from it, the cache against the database's last: %s; old value read right"
                        + " after a write: %d", figures.freshness().describe("until the TTL"),
                figures.staleReadsAfterWrite());
    }
}
