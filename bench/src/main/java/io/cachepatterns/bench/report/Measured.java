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
        row.each("hit", library, naive, measured -> Report.Cell.percentiles(measured.hits()));
        row.each("miss", library, naive, measured -> Report.Cell.percentiles(measured.misses()));
        row.each("write", library, naive, measured -> Report.Cell.percentiles(measured.writes()));
        row.each("queries", library, naive, measured -> Report.Cell.of("%.0f", measured.queriesPer1000()));
        row.each("stampede", library, naive, measured -> Report.Cell.of("%d", measured.stampedeLoads()));
        return row;
    }
}
