package io.cachepatterns.bench.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * A small report, written as {@code bench/run report} writes one, then rendered by headless Chromium (Debian's
 * {@code chromium}, which {@code .ci/run} installs): every image loads, no table cell is empty, and the page asks the
 * network for nothing. Skipped where there is no Chromium, except in CI.
 */
class ReportPageRenderTest {

    private static final Path DIRECTORY = Path.of("target", "report-render-test").toAbsolutePath();

    static Report smallReport() throws IOException {
        Files.createDirectories(DIRECTORY);
        Charts.line(DIRECTORY.resolve("latency.png"), "Read latency over time", "seconds", "p99 ms", List.of(
                new Charts.Series("library", List.of(0.0, 1.0, 2.0), List.of(1.0, 1.2, 0.9)),
                new Charts.Series("naive", List.of(0.0, 1.0, 2.0), List.of(1.1, 9.5, 1.0))));
        Report report = new Report("Test report", "a test machine", List.of(
                new Report.Column("hit", "read hit p50 / p99", "milliseconds"),
                new Report.Column("loads", "loads for 200 cold reads", "database loads"),
                new Report.Column("upstream", "upstream calls / min", "calls to the upstream per minute")));
        report.add(new Report.Row("cache-aside", "products")
                .library("hit", Report.Cell.of("%.2f / %.2f ms", 0.41, 1.9)).naive("hit", Report.Cell.of("0.38 / 1.7 ms"))
                .library("loads", Report.Cell.of("1")).naive("loads", Report.Cell.of("200"))
                .both("upstream", Report.Cell.na("products have no upstream")));
        report.add(new Report.Plot("latency.png", "Read latency over time", "A test plot <with> markup & such."));
        return report.note("A note.");
    }

    @Test
    void everyImageLoadsAndNoCellIsEmpty() throws Exception {
        Report report = smallReport();
        ReportPage.write(report, DIRECTORY);
        String page = Files.readString(DIRECTORY.resolve("index.html"));
        assertThat(page).doesNotContain("http://", "https://", "<script");

        Optional<String> chromium = chromium();
        if (System.getenv("CI") == null) {
            assumeTrue(chromium.isPresent(), "no chromium on the PATH");
        }
        assertThat(chromium).as("chromium on the PATH (.ci/run installs Debian's)").isPresent();

        // A copy of the page with a script that writes what it finds into the DOM, which Chromium then dumps.
        Path check = DIRECTORY.resolve("check.html");
        Files.writeString(check, page.replace("</body>", """
                <script>
                window.addEventListener('load', () => {
                  const images = [...document.images];
                  const cells = [...document.querySelectorAll('td, th')].filter(c => c.closest('tbody'));
                  document.body.setAttribute('data-images', images.length);
                  document.body.setAttribute('data-broken', images.filter(i => !i.complete || i.naturalWidth === 0)
                      .map(i => i.getAttribute('src')).join(',') || 'none');
                  document.body.setAttribute('data-cells', cells.length);
                  document.body.setAttribute('data-empty', cells.filter(c => !c.textContent.trim()).length);
                });
                </script>
                </body>"""));
        Process process = new ProcessBuilder(chromium.get(), "--headless", "--no-sandbox", "--disable-gpu",
                "--allow-file-access-from-files", "--virtual-time-budget=5000", "--dump-dom",
                check.toUri().toString()).redirectError(DIRECTORY.resolve("chromium.log").toFile()).start();
        String dom = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("chromium finished").isTrue();

        assertThat(attribute(dom, "data-images")).as("images on the page").isEqualTo(String.valueOf(
                report.plots().size()));
        assertThat(attribute(dom, "data-broken")).as("images that did not load").isEqualTo("none");
        // Two rows per pattern (library, naive): a heading, a label and one cell per column each.
        assertThat(Integer.parseInt(attribute(dom, "data-cells"))).as("table cells").isEqualTo(
                report.rows().size() * (1 + 2 + 2 * report.columns().size()));
        assertThat(attribute(dom, "data-empty")).as("empty table cells").isEqualTo("0");
    }

    private static String attribute(String dom, String name) {
        Matcher matcher = Pattern.compile(name + "=\"([^\"]*)\"").matcher(dom);
        assertThat(matcher.find()).as("%s in the rendered page:%n%s", name, dom).isTrue();
        return matcher.group(1);
    }

    private static Optional<String> chromium() {
        for (String name : List.of("chromium", "chromium-browser", "google-chrome")) {
            Optional<Path> found = Stream.of(System.getenv("PATH").split(java.io.File.pathSeparator))
                    .map(directory -> Path.of(directory, name)).filter(Files::isExecutable).findFirst();
            if (found.isPresent()) {
                return Optional.of(found.get().toString());
            }
        }
        return Optional.empty();
    }
}
