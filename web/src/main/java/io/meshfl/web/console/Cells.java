package io.meshfl.web.console;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;

/** Small pieces of escaped HTML the mesh's pages share: times, epsilons, states as class names, the budget gauge. */
final class Cells {

    private Cells() {
    }

    /** A time to the second, or a dash when unknown. */
    static String time(Instant t) {
        return t == null ? "—" : Html.esc(t.truncatedTo(ChronoUnit.SECONDS).toString());
    }

    /** An epsilon as the ledger's refusals print it. */
    static String eps(double e) {
        return Double.isInfinite(e) ? "∞" : String.format(Locale.ROOT, "%.4g", e);
    }

    /**
     * A state as a class name the stylesheet colours (ACTIVE, LOST, FAILED...): only letters and underscores pass, so a stored
     * value cannot break out of the attribute whatever it holds.
     */
    static String state(String s) {
        return s != null && s.matches("[A-Za-z_]{1,32}") ? s.toUpperCase(Locale.ROOT) : "UNKNOWN";
    }

    /** A state in its colour. */
    static String stateText(String s) {
        return "<span class=\"" + state(s) + "\">" + Html.esc(s) + "</span>";
    }

    /** Escaped values joined by {@code sep}, or a dash for none. */
    static String join(List<String> values, String sep) {
        if (values == null || values.isEmpty()) return "—";
        return String.join(sep, values.stream().map(Html::esc).toList());
    }

    /** How much of a budget is spent, as a bar: the inline width is a style attribute, which the page's policy allows. */
    static String gauge(String id, double spent, double total) {
        double pct = total <= 0 ? 100 : Math.max(0, Math.min(100, 100 * spent / total));
        String level = pct >= 100 ? " full" : pct >= 80 ? " high" : "";
        return "<div class=\"gauge" + level + "\" id=\"" + Html.esc(id) + "\" title=\"" + eps(spent) + " of " + eps(total) + " spent\" "
                + "data-spent=\"" + spent + "\" data-total=\"" + total + "\"><span style=\"width:" + String.format(Locale.ROOT, "%.1f", pct)
                + "%\"></span></div>";
    }

    /** A link to a run's page. */
    static String run(String id) {
        return Html.a("/console/runs/" + Html.seg(id), id);
    }

    /** A link to a product's page. */
    static String product(String id) {
        return Html.a("/console/products/" + Html.seg(id), id);
    }
}
