package io.cachepatterns.bench.report;

import io.cachepatterns.bench.naive.NaiveCacheAsideServer;
import io.cachepatterns.testsupport.CpuPinning;
import io.cachepatterns.testsupport.FaultProxy;
import io.cachepatterns.testsupport.PostgresAddress;
import io.cachepatterns.testsupport.Servers;
import io.cachepatterns.testsupport.ServiceProcess;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import org.HdrHistogram.Histogram;

/**
 * {@code bench/run report}: measures the trade-off table, pattern by pattern, next to the naive baselines, and writes
 * {@code target/report/} ({@code report.md}, {@code index.html}, the plots). {@code BENCH_QUICK=1}: shorter phases.
 *
 * <p>So far it measures the cache-aside row (catalog-service's products); the other rows say so in their cells.
 */
public final class ReportRun {

    private static final int SERVICE_PORT = 18281;
    private static final int NAIVE_PORT = 18282;
    private static final int SERVICE_FAR_PORT = 18283;
    private static final int NAIVE_FAR_PORT = 18284;
    private static final java.time.Duration FAR_ONE_WAY = java.time.Duration.ofMillis(10);
    private static final java.time.Duration DATABASE_ONE_WAY = java.time.Duration.ofMillis(1);
    private static final String NOT_YET = "not measured yet: the report covers cache-aside so far";

    private static final List<Report.Column> COLUMNS = List.of(
            new Report.Column("hit", "read hit p50 / p99",
                    "one client, one request at a time, products read before (ms)"),
            new Report.Column("miss", "read miss p50 / p99",
                    "one client, products nobody has read: the cache is filled on the way (ms)"),
            new Report.Column("write", "write p50 / p99", "one client, a product's update answered (ms)"),
            new Report.Column("queries", "DB queries / 1 000 requests",
                    "95 % reads, 5 % writes over 100 products, 4 clients; queries PostgreSQL ran on the table"
                            + " (pg_stat_statements)"),
            new Report.Column("staleness", "stale reads after a write",
                    "8 readers of a product in a loop on a second instance 10 ms from the database, while the first"
                            + " instance writes it 10 times back to back: the writer's read right after each answer that"
                            + " returned the old value, and products left holding an old value once the readers stop"
                            + " (a stale set: it stays until the TTL)"),
            new Report.Column("lost", "writes lost: service killed / Redis lost",
                    "acknowledged writes missing from the database after a kill -9"),
            new Report.Column("stampede", "DB loads for 200 cold reads",
                    "200 reads at once of a product nobody has read; queries PostgreSQL ran"),
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
        try (Servers servers = Servers.start()) {
            System.out.println("servers: " + servers.description());
            System.out.println(CpuPinning.describe());
            servers.createDatabase("catalog");
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
            running.add(ServiceProcess.start("catalog-report", catalogJar,
                    ServiceProcess.environment(servers, catalogDb, "catalog", SERVICE_PORT), List.of("-Xmx512m"),
                    logs));
            running.add(ServiceProcess.start("catalog-report-far", catalogJar,
                    ServiceProcess.environment(servers, farCatalogDb, "catalog", SERVICE_FAR_PORT),
                    List.of("-Xmx512m"), logs));
            running.add(startNaive("naive-cache-aside", NAIVE_PORT, servers.redisUrl(), catalogDb, logs));
            running.add(startNaive("naive-cache-aside-far", NAIVE_FAR_PORT, servers.redisUrl(), farCatalogDb, logs));

            HttpProbe http = new HttpProbe("Bearer " + ServiceProcess.LOCAL_ADMIN_TOKEN);
            QueryCounter queries = new QueryCounter(servers.postgres(), "catalog", "product");
            URI serviceBase = URI.create("http://127.0.0.1:" + SERVICE_PORT);
            URI naiveBase = URI.create("http://127.0.0.1:" + NAIVE_PORT);
            int products = quick ? 500 : 1_200;
            List<Long> ids = createProducts(http, serviceBase, products);
            System.out.printf("%d products created%n", ids.size());
            int half = ids.size() / 2;
            CacheAsideRow row = new CacheAsideRow(http, queries, quick);
            System.out.println("cache-aside: catalog-service");
            CacheAsideRow.Figures library = row.measure(serviceBase, URI.create("http://127.0.0.1:" + SERVICE_FAR_PORT),
                    ids.subList(0, 100), ids.subList(100, half).iterator());
            System.out.println("cache-aside: naive baseline");
            CacheAsideRow.Figures naive = row.measure(naiveBase, URI.create("http://127.0.0.1:" + NAIVE_FAR_PORT),
                    ids.subList(half, half + 100), ids.subList(half + 100, ids.size()).iterator());

            Report report = new Report("The caching patterns, measured", machine(servers), COLUMNS);
            report.add(cacheAside(library, naive));
            for (String[] pattern : List.of(new String[] {"read-through", "feed summaries"},
                    new String[] {"write-through", "profiles"}, new String[] {"write-behind", "counters"},
                    new String[] {"refresh-ahead", "homepage feed"}, new String[] {"near cache", "feature flags"},
                    new String[] {"write-through on a sorted set", "leaderboard"})) {
                Report.Row pending = new Report.Row(pattern[0], pattern[1]);
                COLUMNS.forEach(column -> pending.both(column.key(), Report.Cell.na(NOT_YET)));
                report.add(pending);
            }
            plots(report, out, library, naive);
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

    private static Report.Row cacheAside(CacheAsideRow.Figures library, CacheAsideRow.Figures naive) {
        Report.Row row = new Report.Row("cache-aside", "catalog products");
        row.library("hit", percentiles(library.hits())).naive("hit", percentiles(naive.hits()));
        row.library("miss", percentiles(library.misses())).naive("miss", percentiles(naive.misses()));
        row.library("write", percentiles(library.writes())).naive("write", percentiles(naive.writes()));
        row.library("queries", Report.Cell.of("%.0f", library.queriesPer1000()))
                .naive("queries", Report.Cell.of("%.0f", naive.queriesPer1000()));
        row.library("staleness", staleness(library)).naive("staleness", staleness(naive));
        row.both("lost", Report.Cell.na("the database is written first; the cache holds no write"));
        row.library("stampede", Report.Cell.of("%d", library.stampedeLoads()))
                .naive("stampede", Report.Cell.of("%d", naive.stampedeLoads()));
        row.both("upstream", Report.Cell.na("products come from the service's own database"));
        return row;
    }

    private static Report.Cell percentiles(Histogram micros) {
        return Report.Cell.of("%.2f / %.2f ms", micros.getValueAtPercentile(50) / 1000.0,
                micros.getValueAtPercentile(99) / 1000.0);
    }

    private static Report.Cell staleness(CacheAsideRow.Figures figures) {
        int writes = figures.trials() * CacheAsideRow.WRITES_PER_TRIAL;
        return Report.Cell.of("old value read right after the write: %d of %d writes; products left stale: %d of %d",
                figures.staleFirstReads(), writes, figures.staleSets(), figures.trials());
    }

    private static void plots(Report report, Path out, CacheAsideRow.Figures library, CacheAsideRow.Figures naive)
            throws IOException {
        List<Double> requests = IntStream.range(0, library.hitLatencyMillisOverRequests().size())
                .mapToObj(i -> (double) i).toList();
        Charts.line(out.resolve("cache-aside-hits.png"), "Cache-aside hits, request by request", "request",
                "latency (ms)", List.of(new Charts.Series("catalog-service", requests,
                        library.hitLatencyMillisOverRequests()),
                        new Charts.Series("naive", requests.subList(0, naive.hitLatencyMillisOverRequests().size()),
                                naive.hitLatencyMillisOverRequests())));
        report.add(new Report.Plot("cache-aside-hits.png", "Cache-aside hits, request by request",
                "One client reading products it read before, one request at a time: the service's hit path (metrics,"
                        + " breaker, fence check) next to the naive GET-and-answer."));
        List<Double> percentiles = List.of(50.0, 75.0, 90.0, 95.0, 99.0, 99.9);
        Charts.line(out.resolve("cache-aside-latency.png"), "Cache-aside latency by percentile", "percentile",
                "latency (ms)", List.of(
                        new Charts.Series("hit, catalog-service", percentiles, at(library.hits(), percentiles)),
                        new Charts.Series("hit, naive", percentiles, at(naive.hits(), percentiles)),
                        new Charts.Series("miss, catalog-service", percentiles, at(library.misses(), percentiles)),
                        new Charts.Series("miss, naive", percentiles, at(naive.misses(), percentiles))));
        report.add(new Report.Plot("cache-aside-latency.png", "Cache-aside latency by percentile",
                "Hits and misses, the service next to the naive baseline."));
    }

    private static List<Double> at(Histogram micros, List<Double> percentiles) {
        return percentiles.stream().map(p -> micros.getValueAtPercentile(p) / 1000.0).toList();
    }

    private static List<Long> createProducts(HttpProbe http, URI base, int count) {
        List<Long> ids = new ArrayList<>();
        Pattern id = Pattern.compile("\"id\":(\\d+)");
        String run = Long.toString(System.currentTimeMillis(), 36);
        for (int i = 0; i < count; i++) {
            HttpProbe.Answer created = http.post(base.resolve("/products"), CacheAsideRow.input(0, "product " + i)
                    .replace("report-0", "report-" + run + "-" + i));
            Matcher matcher = id.matcher(created.body());
            if (created.status() != 201 || !matcher.find()) {
                throw new IllegalStateException("cannot create a product: " + created.status() + " "
                        + created.body());
            }
            ids.add(Long.parseLong(matcher.group(1)));
        }
        return ids;
    }

    private static AutoCloseable startNaive(String name, int port, String redisUrl, PostgresAddress db, Path logs)
            throws Exception {
        List<String> command = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-cp", System.getProperty("java.class.path"), NaiveCacheAsideServer.class.getName(),
                String.valueOf(port), redisUrl, db.reactiveUrl(db.database()), db.user(), db.password(), "300");
        Process process = new ProcessBuilder(CpuPinning.serverCommand(command)).redirectErrorStream(true)
                .redirectOutput(logs.resolve(name + ".log").toFile()).start();
        HttpProbe probe = new HttpProbe(null);
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (System.nanoTime() < deadline) {
            if (probe.get(URI.create("http://127.0.0.1:" + port + "/q/health/ready")).status() == 200) {
                return process::destroy;
            }
            Thread.sleep(200);
        }
        process.destroyForcibly();
        throw new IllegalStateException("the naive server did not start; see " + logs.resolve(name + ".log"));
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
