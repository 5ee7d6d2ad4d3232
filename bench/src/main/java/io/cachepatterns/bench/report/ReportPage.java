package io.cachepatterns.bench.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Writes a {@link Report} as {@code report.md} and a static {@code index.html} beside its plots: no script, no font,
 * nothing loaded from the network, so the directory can be opened from a disk or published as it is.
 */
public final class ReportPage {

    private ReportPage() {
    }

    /** Writes both files into {@code directory}, where the plots already are. */
    public static void write(Report report, Path directory) throws IOException {
        report.check();
        Files.createDirectories(directory);
        for (Report.Plot plot : report.plots()) {
            if (!Files.isRegularFile(directory.resolve(plot.file()))) {
                throw new IllegalStateException("the plot " + plot.file() + " was not drawn");
            }
        }
        Files.writeString(directory.resolve("report.md"), markdown(report));
        Files.writeString(directory.resolve("index.html"), html(report));
    }

    static String markdown(Report report) {
        StringBuilder md = new StringBuilder("# ").append(report.title()).append("\n\n");
        md.append("Measured on ").append(report.machine()).append(".\n\n");
        List<Report.Column> columns = report.columns();
        md.append("| pattern | | ");
        columns.forEach(column -> md.append(escapeMd(column.heading())).append(" | "));
        md.append("\n|---|---|");
        columns.forEach(column -> md.append("---|"));
        md.append('\n');
        for (Report.Row row : report.rows()) {
            md.append("| **").append(escapeMd(row.pattern())).append("** (").append(escapeMd(row.usedFor()))
                    .append(") | library | ");
            columns.forEach(column -> md.append(escapeMd(row.library(column.key()).shown())).append(" | "));
            md.append("\n| | naive | ");
            columns.forEach(column -> md.append(escapeMd(row.naive(column.key()).shown())).append(" | "));
            md.append('\n');
        }
        md.append("\nColumns:\n\n");
        columns.forEach(column -> md.append("- **").append(column.heading()).append("**: ").append(column.measures())
                .append('\n'));
        for (Report.Plot plot : report.plots()) {
            md.append("\n### ").append(plot.title()).append("\n\n![").append(plot.title()).append("](")
                    .append(plot.file()).append(")\n\n").append(plot.caption()).append('\n');
        }
        if (!report.notes().isEmpty()) {
            md.append("\n## Notes\n\n");
            report.notes().forEach(note -> md.append("- ").append(note).append('\n'));
        }
        return md.toString();
    }

    static String html(Report report) {
        StringBuilder html = new StringBuilder("""
                <!doctype html>
                <html lang="en">
                <head>
                <meta charset="utf-8">
                <title>""").append(escape(report.title())).append("""
                </title>
                <style>
                body { font-family: sans-serif; margin: 2em; max-width: 110em; }
                table { border-collapse: collapse; font-size: 0.9em; }
                th, td { border: 1px solid #bbb; padding: 0.3em 0.5em; vertical-align: top; }
                th { background: #eee; }
                tr.naive td { color: #555; background: #fafafa; }
                td.na { color: #888; font-style: italic; }
                figure { margin: 2em 0; }
                img { max-width: 100%; border: 1px solid #ddd; }
                </style>
                </head>
                <body>
                """);
        html.append("<h1>").append(escape(report.title())).append("</h1>\n<p>Measured on ")
                .append(escape(report.machine())).append(".</p>\n<table>\n<thead><tr><th>pattern</th><th></th>");
        for (Report.Column column : report.columns()) {
            html.append("<th title=\"").append(escape(column.measures())).append("\">").append(escape(column.heading()))
                    .append("</th>");
        }
        html.append("</tr></thead>\n<tbody>\n");
        for (Report.Row row : report.rows()) {
            html.append("<tr><th rowspan=\"2\">").append(escape(row.pattern())).append("<br><small>")
                    .append(escape(row.usedFor())).append("</small></th><td>library</td>");
            report.columns().forEach(column -> cell(html, row.library(column.key())));
            html.append("</tr>\n<tr class=\"naive\"><td>naive</td>");
            report.columns().forEach(column -> cell(html, row.naive(column.key())));
            html.append("</tr>\n");
        }
        html.append("</tbody>\n</table>\n<h2>Columns</h2>\n<dl>\n");
        for (Report.Column column : report.columns()) {
            html.append("<dt>").append(escape(column.heading())).append("</dt><dd>").append(escape(column.measures()))
                    .append("</dd>\n");
        }
        html.append("</dl>\n");
        for (Report.Plot plot : report.plots()) {
            html.append("<figure><h2>").append(escape(plot.title())).append("</h2><img src=\"").append(escape(plot.file()))
                    .append("\" alt=\"").append(escape(plot.title())).append("\"><figcaption>")
                    .append(escape(plot.caption())).append("</figcaption></figure>\n");
        }
        if (!report.notes().isEmpty()) {
            html.append("<h2>Notes</h2>\n<ul>\n");
            report.notes().forEach(note -> html.append("<li>").append(escape(note)).append("</li>\n"));
            html.append("</ul>\n");
        }
        return html.append("</body>\n</html>\n").toString();
    }

    private static void cell(StringBuilder html, Report.Cell cell) {
        if (cell.reason() == null) {
            html.append("<td>").append(escape(cell.text())).append("</td>");
        } else {
            html.append("<td class=\"na\">").append(escape(cell.text())).append("<br><small>")
                    .append(escape(cell.reason())).append("</small></td>");
        }
    }

    private static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    private static String escapeMd(String text) {
        return text.replace("|", "\\|");
    }
}
