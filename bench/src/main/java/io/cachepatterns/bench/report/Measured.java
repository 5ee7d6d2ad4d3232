package io.cachepatterns.bench.report;

import org.HdrHistogram.Histogram;

/**
 * What most rows measure alike, for the service and its baseline: latencies on a hit, a miss and a write (µs), the
 * database queries per 1 000 requests of the mix, and the loads of 200 cold reads at once.
 */
interface Measured {

    Histogram hits();

    Histogram misses();

    Histogram writes();

    double queriesPer1000();

    long stampedeLoads();

    /** A row with those five columns filled; the row's own race, losses and upstream are its to add. */
    static Report.Row row(String pattern, String usedFor, Measured library, Measured naive) {
        Report.Row row = new Report.Row(pattern, usedFor);
        row.library("hit", Report.Cell.percentiles(library.hits()))
                .naive("hit", Report.Cell.percentiles(naive.hits()));
        row.library("miss", Report.Cell.percentiles(library.misses()))
                .naive("miss", Report.Cell.percentiles(naive.misses()));
        row.library("write", Report.Cell.percentiles(library.writes()))
                .naive("write", Report.Cell.percentiles(naive.writes()));
        row.library("queries", Report.Cell.of("%.0f", library.queriesPer1000()))
                .naive("queries", Report.Cell.of("%.0f", naive.queriesPer1000()));
        row.library("stampede", Report.Cell.of("%d", library.stampedeLoads()))
                .naive("stampede", Report.Cell.of("%d", naive.stampedeLoads()));
        return row;
    }
}
