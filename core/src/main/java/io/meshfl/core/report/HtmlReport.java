package io.meshfl.core.report;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Renders a run report as a self-contained HTML page with one SVG line chart per metric over the rounds. */
public final class HtmlReport {

    private HtmlReport() {
    }

    public static String render(JsonNode report) {
        Map<String, List<double[]>> series = new LinkedHashMap<>();
        for (JsonNode h : report.path("history")) {
            int round = h.path("round").asInt();
            for (Iterator<Map.Entry<String, JsonNode>> it = h.path("metrics").fields(); it.hasNext(); ) {
                var e = it.next();
                if (e.getValue().isNumber()) {
                    series.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add(new double[]{round, e.getValue().asDouble()});
                }
            }
        }
        StringBuilder sb = new StringBuilder();
        sb.append("<!doctype html><html><head><meta charset=\"utf-8\"><title>MeshFL run ")
                .append(esc(report.path("run_id").asText())).append("</title><style>")
                .append("body{font-family:system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse}")
                .append("td,th{border:1px solid #ccc;padding:4px 10px;text-align:left}.charts{display:flex;flex-wrap:wrap;gap:16px}")
                .append("figure{margin:0;border:1px solid #ddd;padding:8px}pre{background:#f6f6f6;padding:1em}</style></head><body>");
        sb.append("<h1>Run ").append(esc(report.path("run_id").asText())).append("</h1>");
        sb.append("<p>Job <b>").append(esc(report.path("job_name").asText())).append("</b> (").append(esc(report.path("job_id").asText()))
                .append("), strategy <b>").append(esc(report.path("plan").path("strategy").asText())).append("</b>, aggregator <b>")
                .append(esc(report.path("plan").path("aggregator").asText())).append("</b>, ").append(report.path("rounds").asInt())
                .append(" rounds in ").append(report.path("wall_seconds").asDouble()).append(" s.</p>");
        JsonNode dp = report.path("privacy");
        if (dp.isObject()) {
            sb.append("<p>Differential privacy: <b>").append(esc(dp.path("mode").asText())).append("</b>, ")
                    .append(esc(dp.path("clipping").asText())).append(" clipping at ").append(esc(dp.path("clip_at").asText()))
                    .append(", noise multiplier ").append(fmt(dp.path("noise_multiplier"))).append(": <b>epsilon ")
                    .append(fmt(dp.path("epsilon"))).append("</b> at delta ").append(dp.path("delta").asDouble())
                    .append(" (RDP accountant; per round in the dp_epsilon curve).</p>");
        }
        sb.append("<h2>Final metrics</h2><table><tr><th>metric</th><th>federated</th>");
        boolean base = report.has("baseline");
        if (base) sb.append("<th>centralized baseline</th>");
        sb.append("</tr>");
        for (Iterator<Map.Entry<String, JsonNode>> it = report.path("metrics").fields(); it.hasNext(); ) {
            var e = it.next();
            sb.append("<tr><td>").append(esc(e.getKey())).append("</td><td>").append(fmt(e.getValue())).append("</td>");
            if (base) sb.append("<td>").append(fmt(report.path("baseline").path("metrics").path(e.getKey()))).append("</td>");
            sb.append("</tr>");
        }
        sb.append("</table>");
        sb.append("<h2>Curves</h2><div class=\"charts\">");
        List<String> constant = new ArrayList<>();
        for (var e : series.entrySet()) {
            // a value that never changes is a number, not a curve: it is listed once below the charts
            if (e.getValue().stream().allMatch(p -> p[1] == e.getValue().get(0)[1])) constant.add(e.getKey());
            else sb.append(chart(e.getKey(), e.getValue()));
        }
        sb.append("</div>");
        if (!constant.isEmpty()) sb.append("<p>The same in every round: ").append(esc(String.join(", ", constant))).append(".</p>");
        DiagnosticsSection.render(report.get("diagnostics"), sb);
        tradeoff(report.path("tradeoff"), sb);
        sb.append("<h2>Traffic</h2><p>").append(report.path("bytes_sent").asLong()).append(" bytes sent, ")
                .append(report.path("bytes_received").asLong()).append(" bytes received; wire bytes / parameter bytes = ")
                .append(report.path("wire_overhead").asDouble()).append("</p>");
        sb.append("<h2>Plan</h2><pre>").append(esc(report.path("plan").path("explain").asText())).append("</pre>");
        sb.append("</body></html>\n");
        return sb.toString();
    }

    static String chart(String name, List<double[]> pts) {
        return chart(name, pts, "round");
    }

    /** A line chart of {@code (x, y)} points; {@code xName} labels the x axis. */
    static String chart(String name, List<double[]> pts, String xName) {
        int w = 360, h = 220, l = 50, r = 10, t = 24, b = 30;
        double minX = Double.MAX_VALUE, maxX = -Double.MAX_VALUE, minY = Double.MAX_VALUE, maxY = -Double.MAX_VALUE;
        for (double[] p : pts) {
            minX = Math.min(minX, p[0]);
            maxX = Math.max(maxX, p[0]);
            minY = Math.min(minY, p[1]);
            maxY = Math.max(maxY, p[1]);
        }
        if (maxX == minX) maxX = minX + 1;
        if (maxY == minY) {
            maxY += 1e-9 + Math.abs(maxY) * 0.01;
            minY -= 1e-9 + Math.abs(minY) * 0.01;
        }
        StringBuilder poly = new StringBuilder();
        for (double[] p : pts) {
            double x = l + (p[0] - minX) / (maxX - minX) * (w - l - r);
            double y = t + (1 - (p[1] - minY) / (maxY - minY)) * (h - t - b);
            poly.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
        }
        return String.format(Locale.ROOT, "<figure><svg width=\"%d\" height=\"%d\" xmlns=\"http://www.w3.org/2000/svg\">"
                        + "<text x=\"%d\" y=\"16\" font-size=\"13\" font-weight=\"bold\">%s</text>"
                        + "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#999\"/><line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#999\"/>"
                        + "<text x=\"2\" y=\"%d\" font-size=\"10\">%.4g</text><text x=\"2\" y=\"%d\" font-size=\"10\">%.4g</text>"
                        + "<text x=\"%d\" y=\"%d\" font-size=\"10\">%s %.3g</text><text x=\"%d\" y=\"%d\" font-size=\"10\">%.3g</text>"
                        + "<polyline fill=\"none\" stroke=\"#1f6feb\" stroke-width=\"2\" points=\"%s\"/></svg></figure>",
                w, h, l, esc(name), l, h - b, w - r, h - b, l, t, l, h - b, t + 4, maxY, h - b, minY,
                l, h - 8, esc(xName), minX, w - r - 30, h - 8, maxX, poly);
    }

    /**
     * The privacy/accuracy trade-off of a sweep over the noise added to what crosses: one row per
     * run (noise sd, signal-to-noise ratio of what crossed, AUC) and AUC against the noise sd.
     */
    private static void tradeoff(JsonNode rows, StringBuilder sb) {
        if (!rows.isArray() || rows.isEmpty()) return;
        sb.append("<h2>Privacy / accuracy</h2><table><tr><th>activation noise sd</th><th>activation SNR</th><th>AUC</th>")
                .append("<th>log loss</th><th>run</th></tr>");
        List<double[]> auc = new ArrayList<>();
        for (JsonNode r : rows) {
            double sd = r.path("activation_noise_sd").asDouble();
            auc.add(new double[]{sd, r.path("auc").asDouble()});
            sb.append("<tr><td>").append(fmt(r.path("activation_noise_sd"))).append("</td><td>")
                    .append(r.has("activation_snr") ? fmt(r.path("activation_snr")) : "no noise").append("</td><td>")
                    .append(fmt(r.path("auc"))).append("</td><td>").append(fmt(r.path("log_loss"))).append("</td><td>")
                    .append(esc(r.path("run_id").asText())).append("</td></tr>");
        }
        sb.append("</table><div class=\"charts\">").append(chart("AUC vs activation noise", auc, "noise sd")).append("</div>");
    }

    private static String fmt(JsonNode v) {
        return v.isNumber() ? String.format(Locale.ROOT, "%.4f", v.asDouble()) : "-";
    }

    static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
