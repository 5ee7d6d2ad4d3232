package io.cachepatterns.bench.report;

import io.cachepatterns.bench.HelperServer;
import io.cachepatterns.bench.naive.NaiveCatalogServer;
import io.cachepatterns.testsupport.CpuPinning;
import io.cachepatterns.testsupport.FaultProxy;
import io.cachepatterns.testsupport.PostgresAddress;
import io.cachepatterns.testsupport.Servers;
import io.cachepatterns.testsupport.ServiceProcess;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code bench/run report}: measures the trade-off table, pattern by pattern, next to the naive baselines, and writes
 * {@code target/report/} ({@code report.md}, {@code index.html}, the plots). {@code BENCH_QUICK=1}: shorter phases.
 *
 * <p>One row per pattern as a service uses it, each next to its naive baseline ({@code bench/…/naive}): cache-aside
 * and the near cache (catalog-service), write-through and its sorted-set form (profile-service, metrics-service),
 * write-behind (metrics-service), refresh-ahead and read-through (feed-service).
 */
public final class ReportRun {

    private static final int SERVICE_PORT = 18281;
    private static final int NAIVE_PORT = 18282;
    private static final int SERVICE_FAR_PORT = 18283;
    private static final int NAIVE_FAR_PORT = 18284;
    private static final java.time.Duration FAR_ONE_WAY = java.time.Duration.ofMillis(10);
    private static final java.time.Duration DATABASE_ONE_WAY = java.time.Duration.ofMillis(1);
    private static final List<Report.Column> COLUMNS = List.of(
            new Report.Column("hit", "read hit p50 / p99",
                    "one client, one request at a time, of entries read before (ms)"),
            new Report.Column("miss", "read miss p50 / p99",
                    "one client, entries the cache does not hold: filled on the way (ms)"),
            new Report.Column("write", "write p50 / p99", "one client, a write answered (ms)"),
            new Report.Column("queries", "DB queries / 1 000 requests",
                    "95 % reads, 5 % writes, 4 clients; queries PostgreSQL ran on the pattern's table"
                            + " (pg_stat_statements)"),
            new Report.Column("staleness", "staleness after a write",
                    "from a write's answer to the first read that returns it, p99 and max over the writes tried"
                            + " (read every 5 ms), under the row's race (in the cell): a second instance's readers"
                            + " racing writes, writers of one entry at once, an announced change; \"never\": not"
                            + " within the window, the old value staying until what the cell says. The feed has no"
                            + " writes: the age of what was served"),
            new Report.Column("lost", "writes lost",
                    "acknowledged writes the database lacks after a kill -9 of the service, of Redis (AOF fsync"
                            + " every second), and of Redis with its files (no persistence)"),
            new Report.Column("stampede", "loads for 200 cold reads",
                    "200 reads at once of an entry the cache does not hold: queries PostgreSQL ran, or upstream"
                            + " calls"),
            new Report.Column("upstream", "upstream calls / min", "calls to a slow upstream, where there is one"));

    private ReportRun() {
    }

    public static void main(String[] args) throws Exception {
        Path root = Path.of(args.length > 0 ? args[0] : ".").toAbsolutePath().normalize();
        boolean quick = "1".equals(System.getenv("BENCH_QUICK"));
        Path out = root.resolve("target/report");
        Path logs = root.resolve("target/bench");
        Files.createDirectories(out);
        Files.createDirectories(logs);
        List<AutoCloseable> running = new ArrayList<>();
        // Local processes, Redis persisted as deployed (AOF, fsync every second): the write-behind row kills it.
        try (Servers servers = Servers.startProcesses(true)) {
            System.out.println("servers: " + servers.description());
            System.out.println(CpuPinning.describe());
            servers.createDatabase("catalog");
            servers.createDatabase("metrics");
            servers.createDatabase("profile");
            // The database a little farther than loopback, for both: a load that takes a few milliseconds, as over
            // a network, is what gives a naive cache's races room to happen.
            PostgresAddress direct = servers.postgres();
            FaultProxy toDatabase = FaultProxy.start(direct.host(), direct.port());
            toDatabase.delay(DATABASE_ONE_WAY);
            running.add(toDatabase);
            PostgresAddress catalogDb = new PostgresAddress("127.0.0.1", toDatabase.port(), direct.user(),
                    direct.password(), "catalog");
            // A second instance of each, farther from the database (another zone, say): its loads are slow, which
            // is what lets a load that read the row before a write land after that write's invalidation.
            FaultProxy farFromDatabase = FaultProxy.start(direct.host(), direct.port());
            farFromDatabase.delay(FAR_ONE_WAY);
            running.add(farFromDatabase);
            PostgresAddress farCatalogDb = new PostgresAddress("127.0.0.1", farFromDatabase.port(), direct.user(),
                    direct.password(), "catalog");
            Path catalogJar = root.resolve("catalog-service/target/quarkus-app/quarkus-run.jar");
            running.addAll(StartedTogether.start(List.of(
                    () -> ServiceProcess.start("catalog-report", catalogJar,
                            ServiceProcess.environment(servers, catalogDb, "catalog", SERVICE_PORT),
                            List.of("-Xmx512m"), logs),
                    () -> ServiceProcess.start("catalog-report-far", catalogJar,
                            ServiceProcess.environment(servers, farCatalogDb, "catalog", SERVICE_FAR_PORT),
                            List.of("-Xmx512m"), logs),
                    () -> startNaiveCatalog("naive-catalog", NAIVE_PORT, servers.redisUrl(), catalogDb, logs),
                    () -> startNaiveCatalog("naive-catalog-far", NAIVE_FAR_PORT, servers.redisUrl(),
                            farCatalogDb, logs))));

            HttpProbe http = new HttpProbe("Bearer " + ServiceProcess.LOCAL_ADMIN_TOKEN);
            QueryCounter queries = new QueryCounter(servers.postgres(), "catalog", "product");
            URI serviceBase = URI.create("http://127.0.0.1:" + SERVICE_PORT);
            URI naiveBase = URI.create("http://127.0.0.1:" + NAIVE_PORT);
            int products = quick ? 400 : 1_200;
            List<Long> ids = createProducts(http, serviceBase, products);
            System.out.printf("%d products created%n", ids.size());
            int half = ids.size() / 2;
            String run = Long.toString(System.currentTimeMillis(), 36);
            CacheAsideRow row = new CacheAsideRow(http, queries, quick);
            phase("cache-aside: catalog-service");
            CacheAsideRow.Figures library = row.measure(serviceBase, URI.create("http://127.0.0.1:" + SERVICE_FAR_PORT),
                    ids.subList(0, 100), ids.subList(100, half).iterator());
            phase("cache-aside: naive baseline");
            CacheAsideRow.Figures naive = row.measure(naiveBase, URI.create("http://127.0.0.1:" + NAIVE_FAR_PORT),
                    ids.subList(half, half + 100), ids.subList(half + 100, ids.size()).iterator());

            NearCacheRow nearCache = new NearCacheRow(http, new QueryCounter(servers.postgres(), "catalog", "flag"),
                    quick);
            phase("near cache: catalog-service");
            NearCacheRow.Figures flagsLibrary = nearCache.measure(serviceBase,
                    URI.create("http://127.0.0.1:" + SERVICE_FAR_PORT), "nc-service-" + run);
            phase("near cache: naive baseline");
            NearCacheRow.Figures flagsNaive = nearCache.measure(naiveBase,
                    URI.create("http://127.0.0.1:" + NAIVE_FAR_PORT), "nc-naive-" + run);

            WriteBehindTargets counters = WriteBehindTargets.start(root, servers, direct, logs);
            running.add(counters);
            WriteBehindRow writeBehind = new WriteBehindRow(http, new QueryCounter(servers.postgres(), "metrics",
                    "item_counter"), direct, counters.faults(), quick);
            phase("write-behind: metrics-service");
            WriteBehindRow.Figures countersLibrary = writeBehind.measure(counters.service(), "wb-service");
            phase("write-behind: naive baseline");
            WriteBehindRow.Figures countersNaive = writeBehind.measure(counters.naive(), "wb-naive");
            SortedSetRow sortedSet = new SortedSetRow(http, new QueryCounter(servers.postgres(), "metrics",
                    "leaderboard_score"), direct, servers.redisUrl(), quick);
            phase("write-through on a sorted set: metrics-service");
            SortedSetRow.Figures boardsLibrary = sortedSet.measure(counters.service().base(), "lbservice" + run);
            phase("write-through on a sorted set: naive baseline");
            SortedSetRow.Figures boardsNaive = sortedSet.measure(counters.naive().base(), "lbnaive" + run);

            WriteThroughTargets profiles = WriteThroughTargets.start(root, servers, direct, logs);
            running.add(profiles);
            WriteThroughRow writeThrough = new WriteThroughRow(new QueryCounter(servers.postgres(), "profile",
                    "profile"), direct, servers.redisUrl(), quick);
            phase("write-through: profile-service");
            WriteThroughRow.Figures profilesLibrary = writeThrough.measure(profiles.service(),
                    profiles.register(run + "_s", quick ? 12 : 25, true));
            phase("write-through: naive baseline");
            WriteThroughRow.Figures profilesNaive = writeThrough.measure(profiles.naive(),
                    profiles.register(run + "_n", quick ? 12 : 25, false));

            FeedTargets feeds = FeedTargets.start(root, servers, logs);
            running.add(feeds);
            FeedRow feedRow = new FeedRow(http, quick);
            phase("refresh-ahead and read-through: feed-service");
            FeedRow.Figures feedLibrary = feedRow.measure(feeds.service());
            phase("refresh-ahead and read-through: naive baseline");
            FeedRow.Figures feedNaive = feedRow.measure(feeds.naive());
            phase("plain cache-aside, same TTL: naive, for the plot");
            FeedRow.Steady feedCacheAside = feedRow.steady(feeds.naiveCacheAside(), quick ? 6 : 40);

            Report report = new Report("The caching patterns, measured", machine(servers), COLUMNS);
            report.add(CacheAsideRow.row(library, naive));
            report.add(WriteThroughRow.row(profilesLibrary, profilesNaive));
            report.add(WriteBehindRow.row(countersLibrary, countersNaive));
            report.add(FeedRow.refreshAheadRow(feedLibrary, feedNaive));
            report.add(FeedRow.readThroughRow(feedLibrary, feedNaive));
            report.add(NearCacheRow.row(flagsLibrary, flagsNaive));
            report.add(SortedSetRow.row(boardsLibrary, boardsNaive));
            CacheAsideRow.plots(report, out, library, naive);
            WriteBehindRow.plot(report, out, countersLibrary.outage(), countersNaive.outage());
            FeedRow.plot(report, out, feedLibrary.steady(), feedNaive.steady(), feedCacheAside);
            report.note("Each server pinned alone to one CPU, the load generator, Redis and PostgreSQL on the other"
                    + " (where taskset exists): " + CpuPinning.describe() + ".");
            report.note("PostgreSQL is reached through a proxy that delays every chunk by "
                    + DATABASE_ONE_WAY.toMillis() + " ms each way, for the service and the baseline alike: a database"
                    + " a network hop away rather than on loopback. The races' readers run on a second instance of"
                    + " each, whose proxy delays " + FAR_ONE_WAY.toMillis() + " ms each way.");
            report.note("Naive baselines: the seed's code shapes in Java (bench/src/main/java/io/cachepatterns/bench/"
                    + "naive), over the same Redis, PostgreSQL and tables as the services.");
            ReportPage.write(report, out);
            System.out.println();
            System.out.println(Files.readString(out.resolve("report.md")));
            System.out.println("written: " + out.resolve("index.html"));
        } finally {
            for (int i = running.size() - 1; i >= 0; i--) {
                running.get(i).close(); // the proxy to the database last
            }
        }
    }

    private static List<Long> createProducts(HttpProbe http, URI base, int count) throws Exception {
        List<Long> ids = java.util.Collections.synchronizedList(new ArrayList<>());
        Pattern id = Pattern.compile("\"id\":(\\d+)");
        String run = Long.toString(System.currentTimeMillis(), 36);
        // Eight clients: one after the other, they took 8 s of a quick run.
        Clients.run(8, (client, random) -> {
            for (int i = client; i < count; i += 8) {
                HttpProbe.Answer created = http.post(base.resolve("/products"), CacheAsideRow.input(0, "product " + i)
                        .replace("report-0", "report-" + run + "-" + i));
                Matcher matcher = id.matcher(created.body());
                if (created.status() != 201 || !matcher.find()) {
                    throw new IllegalStateException("cannot create a product: " + created.status() + " "
                            + created.body());
                }
                ids.add(Long.parseLong(matcher.group(1)));
            }
        });
        return ids;
    }

    private static AutoCloseable startNaiveCatalog(String name, int port, String redisUrl, PostgresAddress db,
                                                      Path logs) throws Exception {
        return HelperServer.start(name, NaiveCatalogServer.class, port, List.of(String.valueOf(port), redisUrl,
                db.reactiveUrl(db.database()), db.user(), db.password(), "300"), logs);
    }

    private static final long STARTED = System.nanoTime();

    /** Prints what is measured next, with the time since the run started (the run is long). */
    private static void phase(String what) {
        System.out.printf("[%4.0f s] %s%n", (System.nanoTime() - STARTED) / 1e9, what);
    }

    /** CPU, memory, OS, Java, Redis and PostgreSQL versions: the line every figure is read with. */
    private static String machine(Servers servers) throws Exception {
        String cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                .findFirst().map(l -> l.substring(l.indexOf(':') + 1).strip()).orElse("unknown CPU");
        long cpus = Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("processor"))
                .count();
        long memKb = Files.readAllLines(Path.of("/proc/meminfo")).stream().filter(l -> l.startsWith("MemTotal"))
                .findFirst().map(l -> Long.parseLong(l.replaceAll("\\D", ""))).orElse(0L);
        String redis;
        try (io.cachepatterns.testsupport.RedisCli cli = io.cachepatterns.testsupport.RedisCli.connect(
                servers.redisUrl())) {
            redis = String.valueOf(cli.call("INFO", "server")).lines().filter(l -> l.startsWith("redis_version:"))
                    .findFirst().map(l -> l.substring("redis_version:".length()).strip()).orElse("?");
        }
        String postgres;
        PostgresAddress pg = servers.postgres();
        try (var connection = DriverManager.getConnection(pg.jdbcUrl(pg.database()), pg.user(), pg.password());
             ResultSet rows = connection.createStatement().executeQuery("SHOW server_version")) {
            rows.next();
            postgres = rows.getString(1).split(" ")[0];
        }
        return String.format(java.util.Locale.ROOT, "%d × %s, %.0f GiB, %s %s, Java %s, Redis %s, PostgreSQL %s",
                cpus, cpu, memKb / 1024.0 / 1024.0, System.getProperty("os.name"), System.getProperty("os.version"),
                System.getProperty("java.version"), redis, postgres);
    }
}
