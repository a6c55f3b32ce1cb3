package io.meshfl.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshfl.core.report.HtmlReport;
import io.meshfl.core.report.RunReport;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;

/** Writes a run report as JSON and, beside it, as HTML with the curves. */
final class Reports {

    private Reports() {
    }

    static Path write(JsonNode report, Path json) {
        try {
            return write(json, RunReport.JSON.writeValueAsString(report), HtmlReport.render(report));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write report " + json, e);
        }
    }

    /** Writes {@code jsonText} to {@code json} and {@code page} beside it ({@code x.json} and {@code x.html}); returns the page's path. */
    static Path write(Path json, String jsonText, String page) {
        try {
            Path abs = json.toAbsolutePath();
            if (abs.getParent() != null) Files.createDirectories(abs.getParent());
            Files.writeString(abs, jsonText);
            String name = abs.getFileName().toString();
            Path html = abs.resolveSibling((name.endsWith(".json") ? name.substring(0, name.length() - 5) : name) + ".html");
            Files.writeString(html, page);
            return html;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write report " + json, e);
        }
    }

    static void printSummary(JsonNode report, PrintStream out) {
        out.printf(Locale.ROOT, "run %s: %d rounds in %.2f s, %d bytes sent, %d bytes received (wire/parameter bytes %.3f)%n",
                report.path("run_id").asText(), report.path("rounds").asInt(), report.path("wall_seconds").asDouble(),
                report.path("bytes_sent").asLong(), report.path("bytes_received").asLong(), report.path("wire_overhead").asDouble());
        StringBuilder sb = new StringBuilder("final metrics:");
        for (Iterator<Map.Entry<String, JsonNode>> it = report.path("metrics").fields(); it.hasNext(); ) {
            var e = it.next();
            sb.append(String.format(Locale.ROOT, "  %s=%.4f", e.getKey(), e.getValue().asDouble()));
        }
        out.println(sb);
    }
}
