package io.cachepatterns.bench.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The seed's trade-off table with figures: one row per pattern as a service uses it, each measured next to its naive
 * baseline (the seed's own code shape, in {@code bench/…/naive}), plus the plots. Every cell says something: a figure,
 * or {@code n/a} and why. A row missing a cell is a bug in the run that built it, and fails {@link #check}.
 */
public final class Report {

    /** A column of the table: its heading, and what exactly was measured under it. */
    public record Column(String key, String heading, String measures) {
    }

    /** A figure, or {@code n/a} with the reason. */
    public record Cell(String text, String reason) {

        public Cell {
            Objects.requireNonNull(text);
            if (text.isBlank()) {
                throw new IllegalArgumentException("a cell says something");
            }
        }

        public static Cell of(String format, Object... args) {
            return new Cell(String.format(java.util.Locale.ROOT, format, args), null);
        }

        /** p50 and p99 of a histogram of microseconds, in milliseconds. */
        public static Cell percentiles(org.HdrHistogram.Histogram micros) {
            return of("%.2f / %.2f ms", micros.getValueAtPercentile(50) / 1000.0,
                    micros.getValueAtPercentile(99) / 1000.0);
        }

        public static Cell na(String reason) {
            return new Cell("n/a", Objects.requireNonNull(reason));
        }

        /** The text with its reason, as one table cell shows it. */
        public String shown() {
            return reason == null ? text : text + " (" + reason + ")";
        }
    }

    /** One pattern: what uses it, and its cells for the library and for the naive baseline. */
    public static final class Row {
        private final String pattern;
        private final String usedFor;
        private final Map<String, Cell> library = new LinkedHashMap<>();
        private final Map<String, Cell> naive = new LinkedHashMap<>();

        public Row(String pattern, String usedFor) {
            this.pattern = pattern;
            this.usedFor = usedFor;
        }

        public Row library(String column, Cell cell) {
            library.put(column, cell);
            return this;
        }

        public Row naive(String column, Cell cell) {
            naive.put(column, cell);
            return this;
        }

        /** The column's cell for each of the two, made from what each measured. */
        public <F> Row each(String column, F library, F naive, java.util.function.Function<F, Cell> cell) {
            return library(column, cell.apply(library)).naive(column, cell.apply(naive));
        }

        /** The same cell for both: a figure that does not depend on the implementation, or an n/a for both. */
        public Row both(String column, Cell cell) {
            return library(column, cell).naive(column, cell);
        }

        public String pattern() {
            return pattern;
        }

        public String usedFor() {
            return usedFor;
        }

        public Cell library(String column) {
            return library.get(column);
        }

        public Cell naive(String column) {
            return naive.get(column);
        }
    }

    /** A plot drawn beside the report: its file name (in the report's directory), title and caption. */
    public record Plot(String file, String title, String caption) {
    }

    private final String title;
    private final String machine;
    private final List<Column> columns;
    private final List<Row> rows = new ArrayList<>();
    private final List<Plot> plots = new ArrayList<>();
    private final List<String> notes = new ArrayList<>();

    public Report(String title, String machine, List<Column> columns) {
        this.title = title;
        this.machine = machine;
        this.columns = List.copyOf(columns);
    }

    public Report add(Row row) {
        rows.add(row);
        return this;
    }

    public Report add(Plot plot) {
        plots.add(plot);
        return this;
    }

    public Report note(String note) {
        notes.add(note);
        return this;
    }

    public String title() {
        return title;
    }

    public String machine() {
        return machine;
    }

    public List<Column> columns() {
        return columns;
    }

    public List<Row> rows() {
        return rows;
    }

    public List<Plot> plots() {
        return plots;
    }

    public List<String> notes() {
        return notes;
    }

    /** Fails naming the first row and column without a cell, for the library or the baseline. */
    public Report check() {
        for (Row row : rows) {
            for (Column column : columns) {
                if (row.library(column.key()) == null || row.naive(column.key()) == null) {
                    throw new IllegalStateException("no cell for " + row.pattern() + " / " + column.heading()
                            + (row.library(column.key()) == null ? " (library)" : " (naive)"));
                }
            }
        }
        return this;
    }
}
