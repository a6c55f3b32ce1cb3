package io.meshfl.core.report;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The report's diagnostics of the stored model (see {@link io.meshfl.core.metrics.Diagnostics}):
 * confusion matrix and per-class metrics, ROC and calibration curves, residuals against the
 * prediction, each domain's contribution to the score or its importance in the trees, on the rows
 * the label holder scored them on.
 */
final class DiagnosticsSection {

    private DiagnosticsSection() {
    }

    static void render(JsonNode d, StringBuilder sb) {
        if (d == null || !d.isObject()) return;
        sb.append("<h2>Diagnostics</h2><p>On the ").append(HtmlReport.esc(d.path("over").asText("scored rows"))).append(" (")
                .append(d.path("rows").asLong()).append(" rows), computed by the label holder; only counts and groups of at least ")
                .append(io.meshfl.core.metrics.Diagnostics.MIN_GROUP).append(" rows leave it.</p>");
        JsonNode c = d.path("confusion");
        if (c.has("matrix")) {
            int k = c.path("classes").asInt();
            sb.append("<h3>Confusion matrix (rows: true class, columns: predicted)</h3><table><tr><th></th>");
            for (int j = 0; j < k; j++) sb.append("<th>").append(j).append("</th>");
            sb.append("</tr>");
            int i = 0;
            for (JsonNode row : c.path("matrix")) {
                sb.append("<tr><th>").append(i++).append("</th>");
                for (JsonNode v : row) sb.append("<td>").append(v.asLong()).append("</td>");
                sb.append("</tr>");
            }
            sb.append("</table><h3>Per class</h3><table><tr><th>class</th><th>precision</th><th>recall</th><th>F1</th><th>support</th></tr>");
            for (JsonNode pc : d.path("per_class")) {
                sb.append(String.format(Locale.ROOT, "<tr><td>%d</td><td>%.4f</td><td>%.4f</td><td>%.4f</td><td>%d</td></tr>", pc.path("class").asInt(),
                        pc.path("precision").asDouble(), pc.path("recall").asDouble(), pc.path("f1").asDouble(), pc.path("support").asLong()));
            }
            sb.append("</table>");
        } else if (c.has("tp")) {
            sb.append(String.format(Locale.ROOT, "<h3>Confusion matrix at %.2f</h3><table><tr><th></th><th>predicted 0</th><th>predicted 1</th></tr>"
                            + "<tr><th>true 0</th><td>%d</td><td>%d</td></tr><tr><th>true 1</th><td>%d</td><td>%d</td></tr></table>",
                    c.path("threshold").asDouble(), c.path("tn").asLong(), c.path("fp").asLong(), c.path("fn").asLong(), c.path("tp").asLong()));
        }
        JsonNode share = d.path("contribution");
        if (share.isObject() && share.size() > 0) {
            sb.append("<h3>Contribution per domain (share of the score's variance, cov(part, score) / var(score))</h3><table>"
                    + "<tr><th>domain</th><th>share</th><th></th></tr>");
            share.fields().forEachRemaining(e -> sb.append("<tr><td>").append(HtmlReport.esc(e.getKey())).append("</td><td>")
                    .append(String.format(Locale.ROOT, "%.3f", e.getValue().asDouble())).append("</td><td>").append(bar(e.getValue().asDouble()))
                    .append("</td></tr>"));
            sb.append("</table>");
        }
        JsonNode imp = d.path("importance");
        if (imp.isObject() && imp.size() > 0) {
            sb.append("<h3>Importance per domain (splits and their gain over the trees)</h3><table>"
                    + "<tr><th>domain</th><th>splits</th><th>gain</th><th>share of the gain</th><th></th></tr>");
            imp.fields().forEachRemaining(e -> sb.append("<tr><td>").append(HtmlReport.esc(e.getKey())).append("</td><td>")
                    .append(e.getValue().path("splits").asInt()).append("</td><td>")
                    .append(String.format(Locale.ROOT, "%.4g</td><td>%.3f</td><td>", e.getValue().path("gain").asDouble(), e.getValue().path("share").asDouble()))
                    .append(bar(e.getValue().path("share").asDouble())).append("</td></tr>"));
            sb.append("</table>");
        }
        List<String> charts = new ArrayList<>();
        if (d.path("roc").size() > 2) charts.add(HtmlReport.chart("ROC (true against false positive rate)", points(d.path("roc"), null, null), "FPR"));
        if (d.path("calibration").size() > 1) {
            charts.add(HtmlReport.chart("calibration (observed rate against mean predicted)", points(d.path("calibration"), "mean_predicted", "observed"),
                    "predicted"));
        }
        if (d.path("residuals").size() > 1) {
            charts.add(HtmlReport.chart("mean residual against prediction", points(d.path("residuals"), "mean_predicted", "mean_residual"),
                    "predicted"));
        }
        if (!charts.isEmpty()) sb.append("<div class=\"charts\">").append(String.join("", charts)).append("</div>");
    }

    /** A horizontal bar for a share in [0, 1] (clamped; a negative share draws none). */
    private static String bar(double share) {
        int w = (int) Math.round(Math.max(0, Math.min(1, share)) * 200);
        return "<svg width=\"200\" height=\"12\"><rect width=\"" + w + "\" height=\"12\" fill=\"#1f6feb\"/></svg>";
    }

    /** (x, y) from pairs, or from objects' {@code x} and {@code y} fields. */
    private static List<double[]> points(JsonNode rows, String x, String y) {
        List<double[]> pts = new ArrayList<>();
        for (JsonNode r : rows) pts.add(x == null ? new double[]{r.get(0).asDouble(), r.get(1).asDouble()} : new double[]{r.path(x).asDouble(), r.path(y).asDouble()});
        return pts;
    }
}
