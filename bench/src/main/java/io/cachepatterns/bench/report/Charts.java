package io.cachepatterns.bench.report;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** The report's plots: line charts of one or more series, drawn by XChart into PNG files (headless). */
public final class Charts {

    static {
        System.setProperty("java.awt.headless", "true");
    }

    /** A series of (x, y) points, in the order they were measured. */
    public record Series(String name, List<Double> x, List<Double> y) {

        public Series {
            if (x.size() != y.size() || x.isEmpty()) {
                throw new IllegalArgumentException(name + ": " + x.size() + " x values, " + y.size() + " y values");
            }
        }
    }

    private Charts() {
    }

    /** Draws {@code series} into {@code file} (a PNG), 900 × 420 pixels. */
    public static void line(Path file, String title, String xTitle, String yTitle, List<Series> series)
            throws IOException {
        XYChart chart = new XYChartBuilder().width(900).height(420).title(title).xAxisTitle(xTitle)
                .yAxisTitle(yTitle).build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNW);
        chart.getStyler().setChartBackgroundColor(java.awt.Color.WHITE);
        chart.getStyler().setPlotGridLinesVisible(true);
        for (Series s : series) {
            chart.addSeries(s.name(), s.x(), s.y()).setMarker(SeriesMarkers.NONE);
        }
        String name = file.getFileName().toString();
        if (!name.endsWith(".png")) {
            throw new IllegalArgumentException("a PNG file: " + file);
        }
        BitmapEncoder.saveBitmap(chart, file.toString().substring(0, file.toString().length() - 4),
                BitmapEncoder.BitmapFormat.PNG);
    }
}
