package io.meshfl.web.console;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshfl.core.catalog.Catalog;
import io.meshfl.core.catalog.JobRecord;
import io.meshfl.core.catalog.ProductRecord;
import io.meshfl.core.catalog.RunRecord;
import io.meshfl.core.plan.Plan;
import io.meshfl.web.Json;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * What the run and model pages read back from a run's records, and how they write numbers and
 * times: the stored plan, who took part, a run's metrics. Counts and names only: nothing here
 * reads a domain's data or where it lives.
 */
final class RunFacts {

    private RunFacts() {
    }

    /** Plans are stored as Jackson wrote them; fields added since are skipped rather than failing an old run's page. */
    private static final ObjectMapper PLANS = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    /** Metrics shown as a run's one number in lists, the first present in this order. */
    private static final List<String> HEADLINE = List.of("eval_auc", "auc", "eval_accuracy", "accuracy", "eval_r2", "r2", "eval_rmse", "rmse",
            "eval_loss", "loss", "train_loss");

    private static final DateTimeFormatter WHEN = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'", Locale.ROOT).withZone(ZoneOffset.UTC);

    /** One product a run read: its version, domain, role in the plan, rows (-1 unknown) and number of columns it brought (-1 unknown). */
    record Part(String product, String version, String domain, String role, long rows, int features) {
    }

    /** The run's plan, if it was stored and reads back (runs from before plans were stored, or of inference, have none). */
    static Optional<Plan> plan(RunRecord r) {
        if (r.planJson() == null || r.planJson().isBlank()) return Optional.empty();
        try {
            Plan p = PLANS.readValue(r.planJson(), Plan.class);
            return p == null || p.strategy() == null || p.model() == null ? Optional.empty() : Optional.of(p);
        } catch (java.io.IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** The explain text of the run's plan, or a sentence saying there is none. */
    static String explain(RunRecord r) {
        return plan(r).map(Plan::explain).orElse("The plan of this run is not recorded in a form this console reads.");
    }

    /** Who took part: the plan's participants and evaluators, else the products the catalog records for the run. */
    static List<Part> participants(Catalog catalog, RunRecord r) {
        List<Part> out = new ArrayList<>();
        Optional<Plan> plan = plan(r);
        if (plan.isPresent()) {
            Plan p = plan.get();
            for (Plan.Participant x : p.participants()) {
                // a horizontal party brings every feature of the plan, a vertical one the columns it holds
                int features = x.features().isEmpty() ? p.features().size() : x.features().size();
                out.add(new Part(x.productId(), x.version(), x.domain(), x.role(), x.rows(), features));
            }
            for (Plan.Participant x : p.evaluation()) out.add(new Part(x.productId(), x.version(), x.domain(), "evaluate", x.rows(), -1));
            if (!out.isEmpty()) return out;
        }
        for (ProductRecord x : catalog.runProducts(r.id())) out.add(new Part(x.id(), x.version(), x.domain(), "", x.rows(), -1));
        return out;
    }

    /** The numeric fields of stored metrics JSON, in their order. */
    static Map<String, Double> metrics(String json) {
        Map<String, Double> out = new LinkedHashMap<>();
        JsonNode n = Json.parse(json);
        n.properties().forEach(e -> {
            if (e.getValue().isNumber()) out.put(e.getKey(), e.getValue().asDouble());
        });
        return out;
    }

    /** A run's one number for lists ("auc 0.7100"), or empty. */
    static String headline(String metricsJson) {
        Map<String, Double> m = metrics(metricsJson);
        for (String k : HEADLINE) if (m.containsKey(k)) return k + " " + num(m.get(k));
        return "";
    }

    /** Metrics as one line of text, {@code key=value} by key. */
    static String metricsText(Map<String, Double> m) {
        StringBuilder b = new StringBuilder();
        for (var e : m.entrySet()) {
            if (!b.isEmpty()) b.append(", ");
            b.append(e.getKey()).append('=').append(num(e.getValue()));
        }
        return b.toString();
    }

    /** A number as a person reads it: whole numbers without a fraction, others to four decimals. */
    static String num(double v) {
        if (Double.isNaN(v) || Double.isInfinite(v)) return String.valueOf(v);
        if (v == Math.rint(v) && Math.abs(v) < 1e15) return Long.toString((long) v);
        return String.format(Locale.ROOT, "%.4f", v);
    }

    static String when(Instant t) {
        return t == null ? "" : WHEN.format(t);
    }

    /** A job's name, or its id when the catalog does not hold it. */
    static String jobName(Catalog catalog, String jobId) {
        return jobId == null ? "" : catalog.job(jobId).map(JobRecord::name).orElse(jobId);
    }

    /** A table whose rows are already written ({@code <tr>...</tr>}), with a row saying none when there are none. */
    static String table(String id, List<String> head, List<String> rows) {
        StringBuilder b = new StringBuilder("<table id=\"").append(Html.esc(id)).append("\"><thead><tr>");
        for (String h : head) b.append("<th>").append(Html.esc(h)).append("</th>");
        b.append("</tr></thead><tbody>");
        for (String r : rows) b.append(r);
        if (rows.isEmpty()) b.append("<tr class=\"none\"><td colspan=\"").append(head.size()).append("\" class=\"empty\">none</td></tr>");
        return b.append("</tbody></table>").toString();
    }

    /** Links to the previous and next page of a list of {@code total} at {@code offset}, keeping {@code ?offset=}. */
    static String pager(String path, String idPrefix, int offset, int limit, int shown, int total) {
        StringBuilder b = new StringBuilder("<p class=\"pager\"><span class=\"muted\">");
        b.append(total == 0 ? "none" : Html.esc((offset + 1) + "–" + (offset + shown) + " of " + total)).append("</span>");
        if (offset > 0) {
            b.append(" <a id=\"").append(idPrefix).append("-prev\" rel=\"prev\" href=\"").append(Html.esc(path + "?offset=" + Math.max(0, offset - limit)))
                    .append("\">newer</a>");
        }
        if (offset + shown < total) {
            b.append(" <a id=\"").append(idPrefix).append("-next\" rel=\"next\" href=\"").append(Html.esc(path + "?offset=" + (offset + shown)))
                    .append("\">older</a>");
        }
        return b.append("</p>").toString();
    }
}
