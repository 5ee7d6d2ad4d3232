package io.cachepatterns.bench.report;

import io.cachepatterns.bench.FeedUpstream;
import io.cachepatterns.testsupport.RedisCli;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.HdrHistogram.Histogram;

/**
 * The refresh-ahead row (feed-service's homepage feed) and the read-through row (its product summaries), measured for
 * one target — the service or a naive baseline — over an upstream of its own whose every answer takes 200 ms: reads
 * on a hit and on a miss, upstream calls for a cold stampede and per minute under steady readers, the age of the
 * feed served, the worst read in each quarter second across TTL boundaries (for the plot), and how long a summary
 * stays old after its product's change is announced.
 */
final class FeedRow {

    /** A target: where it answers, its upstream, and the Redis database it caches in (emptied for misses). */
    record Target(URI base, FeedUpstream upstream, String redisUrl, int redisDatabase) {
    }

    /** Readers of the feed for a while: the worst read per quarter second, the feed's age, upstream calls. */
    record Steady(List<Double> seconds, List<Double> worstMillis, Histogram ageMillis, double upstreamPerMinute,
                  long slowReads, long reads, long failedReads) {
    }

    /** What one target measured. */
    record Figures(Histogram feedHits, Histogram feedMisses, long feedStampedeBuilds, long feedStampedeFailed,
                   Steady steady, Histogram summaryHits, Histogram summaryMisses, long summaryStampedeCalls,
                   long summaryStampedeFailed, double summaryUpstreamPerMinute, Freshness summaries) {
    }

    static final String CHANGES_CHANNEL = "catalog:product-changes";
    private static final Pattern GENERATED_AT = Pattern.compile("\"generatedAt\":\"([^\"]+)\"");

    private final HttpProbe http;
    private final boolean quick;

    FeedRow(HttpProbe http, boolean quick) {
        this.http = http;
        this.quick = quick;
    }

    Figures measure(Target target) throws Exception {
        int samples = quick ? 200 : 1_000;
        // Summaries: ids 1–100 read once before (hits), 1 000 on never read (misses), 5 000 on for the races.
        // Ten at a time: one after the other, 100 misses of a 200 ms upstream took 25 s; all at once, they queued
        // behind the stand-in upstream's 16 threads past the service's client timeout, and opened its breaker.
        for (int first = 1; first <= 100; first += 10) {
            http.getsAtOnce(java.util.stream.IntStream.range(first, first + 10).mapToObj(id -> summary(target, id))
                    .toList()).forEach(answer -> answer.expect(200));
        }
        Histogram summaryHits = HttpProbe.histogram();
        for (int i = 0; i < samples; i++) {
            summaryHits.recordValue(http.get(summary(target, 1 + i % 100)).expect(200).micros());
        }
        Histogram summaryMisses = HttpProbe.histogram();
        for (int i = 0; i < (quick ? 10 : samples / 10); i++) {
            summaryMisses.recordValue(http.get(summary(target, 1_000 + i)).expect(200).micros());
        }
        int callsBefore = target.upstream().requests();
        long summaryStampedeFailed = http.getsAtOnce(summary(target, 4_999), 200).stream()
                .filter(a -> a.status() != 200).count();
        long summaryStampedeCalls = target.upstream().requests() - callsBefore;
        double summaryUpstreamPerMinute = summaryReaders(target, quick ? 3 : 15);

        Freshness summaries = Freshness.forRaces(quick);
        int trials = quick ? 2 : 10;
        try (RedisCli redis = RedisCli.connect(target.redisUrl())) {
            for (int trial = 0; trial < trials; trial++) {
                int id = 500 + trial;
                http.get(summary(target, id)).expect(200);
                target.upstream().change(id);
                redis.call("PUBLISH", CHANGES_CHANNEL, String.valueOf(id));
                summaries.await(System.nanoTime(), () -> http.get(summary(target, id)).expect(200).body()
                        .contains(" v1\""));
            }
        }
        // The feed last: a naive refresh-ahead floods its upstream, which would slow whatever came after.
        URI feed = target.base().resolve("/feed");
        http.get(feed).expect(200);
        Histogram feedHits = HttpProbe.histogram();
        for (int i = 0; i < samples; i++) {
            feedHits.recordValue(http.get(feed).expect(200).micros());
        }
        Thread.sleep(quick ? 2_000 : 3_000); // the background rebuilds (~450 ms) the hits started finish first
        Histogram feedMisses = HttpProbe.histogram();
        for (int i = 0; i < (quick ? 4 : 12); i++) {
            empty(target);
            feedMisses.recordValue(http.get(feed).expect(200).micros());
        }
        empty(target);
        int buildsBefore = target.upstream().builds().size();
        long feedStampedeFailed = http.getsAtOnce(feed, 200).stream().filter(a -> a.status() != 200).count();
        long feedStampedeBuilds = target.upstream().builds().size() - buildsBefore;
        Steady steady = steady(target, quick ? 6 : 40);

        return new Figures(feedHits, feedMisses, feedStampedeBuilds, feedStampedeFailed, steady, summaryHits,
                summaryMisses, summaryStampedeCalls, summaryStampedeFailed, summaryUpstreamPerMinute, summaries);
    }

    /** 8 readers of the feed in a loop for {@code seconds}: each read's start and latency, and the feed's age. */
    Steady steady(Target target, int seconds) throws Exception {
        URI feed = target.base().resolve("/feed");
        int callsBefore = target.upstream().requests();
        long start = System.nanoTime();
        long end = start + TimeUnit.SECONDS.toNanos(seconds);
        int buckets = seconds * 4;
        long[] worst = new long[buckets];
        Histogram age = HttpProbe.histogram();
        long[] slow = new long[1];
        long[] reads = new long[1];
        long[] failed = new long[1];
        Clients.run(8, (reader, random) -> {
            while (System.nanoTime() < end) {
                long at = System.nanoTime();
                HttpProbe.Answer answer = http.get(feed);
                Matcher generated = GENERATED_AT.matcher(answer.body());
                long ageMillis = generated.find() ? Math.max(0, Instant.now().toEpochMilli()
                        - Instant.parse(generated.group(1)).toEpochMilli()) : 0;
                int bucket = (int) ((at - start) / 250_000_000L);
                synchronized (worst) {
                    if (bucket < buckets) {
                        worst[bucket] = Math.max(worst[bucket], answer.micros());
                    }
                    age.recordValue(Math.min(ageMillis, 60_000_000));
                    reads[0]++;
                    if (answer.status() != 200) {
                        failed[0]++;
                    }
                    if (answer.micros() > 100_000) {
                        slow[0]++;
                    }
                }
            }
        });
        double minutes = (System.nanoTime() - start) / 60e9;
        List<Double> at = new ArrayList<>();
        List<Double> worstMillis = new ArrayList<>();
        for (int b = 0; b < buckets; b++) {
            at.add(b / 4.0);
            worstMillis.add(worst[b] / 1000.0);
        }
        return new Steady(at, worstMillis, age, (target.upstream().requests() - callsBefore) / minutes, slow[0],
                reads[0], failed[0]);
    }

    /** 4 clients reading summaries of 300 products at random, from cold, for {@code seconds}: upstream calls/min. */
    private double summaryReaders(Target target, int seconds) throws Exception {
        int callsBefore = target.upstream().requests();
        long start = System.nanoTime();
        long end = start + TimeUnit.SECONDS.toNanos(seconds);
        Clients.run(4, (client, random) -> {
            while (System.nanoTime() < end) {
                http.get(summary(target, 2_000 + random.nextInt(300))).expect(200);
            }
        });
        return (target.upstream().requests() - callsBefore) / ((System.nanoTime() - start) / 60e9);
    }

    /** Empties the target's Redis database: the next read is a miss. */
    private static void empty(Target target) {
        try (RedisCli redis = RedisCli.connect(target.redisUrl())) {
            redis.call("SELECT", String.valueOf(target.redisDatabase()));
            redis.call("FLUSHDB");
        }
    }

    private static URI summary(Target target, int id) {
        return target.base().resolve("/summaries/" + id);
    }

    static Report.Row refreshAheadRow(Figures library, Figures naive) {
        Report.Row row = new Report.Row("refresh-ahead", "homepage feed");
        row.each("hit", library, naive, figures -> Report.Cell.percentiles(figures.feedHits()));
        row.each("miss", library, naive, figures -> Report.Cell.percentiles(figures.feedMisses()));
        row.both("write", Report.Cell.na("the feed is built from its upstreams, never written"));
        row.both("queries", Report.Cell.na("no database: see upstream calls"));
        row.each("staleness", library, naive, figures -> feedAge(figures.steady()));
        row.both("lost", Report.Cell.na("reads only"));
        row.each("stampede", library, naive, figures -> stampede("feed builds", figures.feedStampedeBuilds(),
                figures.feedStampedeFailed()));
        row.each("upstream", library, naive, figures -> feedCalls(figures.steady()));
        return row;
    }

    private static Report.Cell stampede(String what, long count, long failed) {
        return failed == 0 ? Report.Cell.of("%d %s", count, what)
                : Report.Cell.of("%d %s; %d of the 200 reads failed", count, what, failed);
    }

    private static Report.Cell feedAge(Steady steady) {
        return Report.Cell.of("age of the feed served p99 %.1f s, max %.1f s (TTL %d s); %d of %d reads waited"
                        + " over 100 ms, %d failed", steady.ageMillis().getValueAtPercentile(99) / 1000.0,
                steady.ageMillis().getMaxValue() / 1000.0, FeedTargets.FEED_TTL.toSeconds(), steady.slowReads(),
                steady.reads(), steady.failedReads());
    }

    private static Report.Cell feedCalls(Steady steady) {
        return Report.Cell.of("%.0f (8 readers, TTL %d s, 2 calls a build)", steady.upstreamPerMinute(),
                FeedTargets.FEED_TTL.toSeconds());
    }

    static Report.Row readThroughRow(Figures library, Figures naive) {
        Report.Row row = new Report.Row("read-through", "product summaries (feed-service)");
        row.each("hit", library, naive, figures -> Report.Cell.percentiles(figures.summaryHits()));
        row.each("miss", library, naive, figures -> Report.Cell.percentiles(figures.summaryMisses()));
        row.both("write", Report.Cell.na("catalog-service writes products; this cache only reads them"));
        row.both("queries", Report.Cell.na("no database: see upstream calls"));
        row.each("staleness", library, naive, FeedRow::summaryFreshness);
        row.both("lost", Report.Cell.na("reads only"));
        row.each("stampede", library, naive, figures -> stampede("upstream calls", figures.summaryStampedeCalls(),
                figures.summaryStampedeFailed()));
        row.each("upstream", library, naive, figures -> Report.Cell.of("%.0f (4 clients, 300 products, from cold)",
                figures.summaryUpstreamPerMinute()));
        return row;
    }

    private static Report.Cell summaryFreshness(Figures figures) {
        return Report.Cell.of("a product's change announced: %s",
                figures.summaries().describe("until the 300 s TTL"));
    }

    static void plot(Report report, Path out, Steady library, Steady naive,
                                 Steady cacheAside) throws IOException {
        Charts.line(out.resolve("feed-ttl-boundaries.png"), "The feed across TTL boundaries", "seconds",
                "slowest read in each 250 ms (ms)", List.of(
                        new Charts.Series("feed-service, refresh-ahead", library.seconds(), library.worstMillis()),
                        new Charts.Series("naive refresh-ahead", naive.seconds(), naive.worstMillis()),
                        new Charts.Series("naive cache-aside, same TTL", cacheAside.seconds(),
                                cacheAside.worstMillis())));
        report.add(new Report.Plot("feed-ttl-boundaries.png", "The feed across TTL boundaries",
                "8 readers of the feed in a loop; TTL " + FeedTargets.FEED_TTL.toSeconds() + " s; every upstream"
                        + " answer takes " + FeedTargets.UPSTREAM_LATENCY.toMillis() + " ms and a build asks two."
                        + " Plain cache-aside makes a reader wait for a build at each expiry; refresh-ahead rebuilds"
                        + " before it."));
    }
}
