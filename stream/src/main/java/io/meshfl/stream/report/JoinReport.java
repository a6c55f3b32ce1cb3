package io.meshfl.stream.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshfl.stream.blocks.Manifest;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What a stream join did, window by window, from the two sides' manifests: each side's events
 * taken in, dropped as late and as malformed, the examples joined, the share of the leader's
 * events that joined, and how long after its window's end (in event time) each block was written.
 * Totals add the records refused on the leader-ids topic and the matches that came after their
 * block. A pure function of the manifests, as JSON and as a page with a chart.
 */
public final class JoinReport {

    public static final ObjectMapper JSON = new ObjectMapper();

    private JoinReport() {
    }

    /** The report; {@code leader} may be null (the follower's half alone). Problems (halves that disagree) are listed in it. */
    public static ObjectNode of(Manifest follower, Manifest leader) {
        ObjectNode r = JSON.createObjectNode();
        r.put("job", follower.job());
        r.put("block_span_ms", follower.spanMillis());
        Map<Long, Manifest.Block> lead = new HashMap<>();
        if (leader != null) for (Manifest.Block b : leader.blocks()) lead.put(b.index(), b);
        List<String> problems = new ArrayList<>();
        if (leader != null && !leader.job().equals(follower.job())) {
            problems.add("the leader's manifest is of job '" + leader.job() + "', the follower's of '" + follower.job() + "'");
        }
        ArrayNode windows = r.putArray("windows");
        long joined = 0, fin = 0, flate = 0, fbad = 0, lin = 0, llate = 0, lbad = 0;
        for (Manifest.Block b : follower.blocks()) {
            ObjectNode w = windows.addObject();
            w.put("block", b.index());
            w.put("start", Instant.ofEpochMilli(b.start()).toString());
            w.put("end", Instant.ofEpochMilli(b.end()).toString());
            w.put("joined", b.rows());
            side(w.putObject("follower"), b);
            joined += b.rows();
            fin += Math.max(0, b.in());
            flate += Math.max(0, b.late());
            fbad += Math.max(0, b.malformed());
            Manifest.Block l = lead.get(b.index());
            if (l != null) {
                side(w.putObject("leader"), l);
                lin += Math.max(0, l.in());
                llate += Math.max(0, l.late());
                lbad += Math.max(0, l.malformed());
                if (l.in() > 0) w.put("joined_share_of_leader", b.rows() / (double) l.in());
                if (l.rows() != b.rows()) {
                    problems.add("block " + b.index() + ": the leader's half has " + l.rows() + " rows, the follower's " + b.rows());
                }
            } else if (leader != null) {
                problems.add("block " + b.index() + ": the leader has not written its half");
            }
            if (b.writtenAt() > 0) w.put("written_after_window_s", (b.writtenAt() - b.end()) / 1000.0);
        }
        ObjectNode t = r.putObject("totals");
        t.put("windows", follower.blocks().size());
        t.put("joined", joined);
        t.put("follower_in", fin);
        t.put("follower_late", flate);
        t.put("follower_malformed", fbad);
        if (leader != null) {
            t.put("leader_in", lin);
            t.put("leader_late", llate);
            t.put("leader_malformed", lbad);
        }
        t.put("matches_after_their_block", follower.lateMatches());
        t.put("leader_records_refused", follower.refused());
        ArrayNode p = r.putArray("problems");
        problems.forEach(p::add);
        return r;
    }

    private static void side(ObjectNode o, Manifest.Block b) {
        o.put("in", b.in());
        o.put("late", b.late());
        o.put("malformed", b.malformed());
    }

    /** The report as a page: totals, a chart of each window's counts, the table. No script. */
    public static String html(JsonNode r) {
        StringBuilder sb = new StringBuilder();
        sb.append("<!doctype html><html><head><meta charset=\"utf-8\"><title>Stream join ").append(esc(r.path("job").asText()))
                .append("</title><style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;"
                        + "padding:2px 6px;text-align:right}th{background:#f4f4f4}.bad{color:#b00}</style></head><body>");
        sb.append("<h1>Stream join ").append(esc(r.path("job").asText())).append("</h1>");
        sb.append("<table>");
        r.path("totals").fields().forEachRemaining(e -> sb.append("<tr><th>").append(esc(e.getKey().replace('_', ' '))).append("</th><td>")
                .append(e.getValue().asText()).append("</td></tr>"));
        sb.append("</table>");
        for (JsonNode p : r.path("problems")) sb.append("<p class=\"bad\">").append(esc(p.asText())).append("</p>");
        sb.append(chart(r.path("windows")));
        sb.append("<table><tr><th>block</th><th>window start (UTC)</th><th>leader in</th><th>leader late</th><th>follower in</th>"
                + "<th>follower late</th><th>malformed (leader / follower)</th><th>joined</th><th>joined / leader in</th><th>written after window (s)</th></tr>");
        for (JsonNode w : r.path("windows")) {
            JsonNode l = w.path("leader");
            JsonNode f = w.path("follower");
            sb.append(String.format(Locale.ROOT, "<tr><td>%d</td><td>%s</td><td>%s</td><td>%s</td><td>%d</td><td>%d</td><td>%s / %d</td><td>%d</td><td>%s</td><td>%s</td></tr>",
                    w.path("block").asLong(), esc(w.path("start").asText()), l.isMissingNode() ? "" : l.path("in").asText(),
                    l.isMissingNode() ? "" : l.path("late").asText(), f.path("in").asLong(), f.path("late").asLong(),
                    l.isMissingNode() ? "" : l.path("malformed").asText(), f.path("malformed").asLong(), w.path("joined").asLong(),
                    w.has("joined_share_of_leader") ? String.format(Locale.ROOT, "%.3f", w.path("joined_share_of_leader").asDouble()) : "",
                    w.has("written_after_window_s") ? String.format(Locale.ROOT, "%.1f", w.path("written_after_window_s").asDouble()) : ""));
        }
        sb.append("</table></body></html>\n");
        return sb.toString();
    }

    /** Bars per window: the leader's events (grey), the follower's (light blue), joined (blue); late and malformed as red ticks. */
    static String chart(JsonNode windows) {
        int n = windows.size();
        if (n == 0) return "<p>No block written yet.</p>";
        double max = 1;
        for (JsonNode w : windows) {
            max = Math.max(max, Math.max(w.path("leader").path("in").asDouble(0), Math.max(w.path("follower").path("in").asDouble(0), w.path("joined").asDouble())));
        }
        int width = 900;
        int height = 240;
        double slot = (double) width / n;
        double bar = Math.max(1, slot / 3.5);
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT,
                "<figure><svg width=\"%d\" height=\"%d\" xmlns=\"http://www.w3.org/2000/svg\" role=\"img\">", width, height + 20));
        int i = 0;
        for (JsonNode w : windows) {
            double x = i * slot;
            double[] v = {w.path("leader").path("in").asDouble(0), w.path("follower").path("in").asDouble(0), w.path("joined").asDouble()};
            String[] colour = {"#9aa0a6", "#8ab4f8", "#1a73e8"};
            for (int k = 0; k < 3; k++) {
                double h = v[k] / max * height;
                sb.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"/>",
                        x + k * bar, height - h, bar, h, colour[k]));
            }
            double dropped = w.path("follower").path("late").asDouble(0) + Math.max(0, w.path("follower").path("malformed").asDouble(0))
                    + w.path("leader").path("late").asDouble(0) + Math.max(0, w.path("leader").path("malformed").asDouble(0));
            if (dropped > 0) {
                sb.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"6\" fill=\"#d93025\"><title>%d late or malformed</title></rect>",
                        x, height + 4, Math.max(1, 3 * bar), (long) dropped));
            }
            i++;
        }
        sb.append("</svg><figcaption>Per window: leader's events (grey), follower's (light blue), joined examples (blue); "
                + "a red mark under a window that dropped late or malformed events. Scale: ").append((long) max).append(" at the top.</figcaption></figure>");
        return sb.toString();
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
