package io.meshfl.web.console;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshfl.core.catalog.AuditLog;
import io.meshfl.core.catalog.AuditRecord;
import io.meshfl.web.Backend;
import io.meshfl.web.Request;
import io.meshfl.web.Route;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The audit browser: every message of every run the caller may see (the API's audit filter for this caller, {@code
 * Caller.auditFilter}), narrowed by run, party, step and protection, fifty to a page; the operator verifies the catalog's
 * chains from here ({@code audit.js} asks {@code /api/audit/verify}).
 */
final class AuditPages {

    static final int PAGE = 50;
    private static final List<String> FILTERS = List.of("run", "party", "step", "protection");

    private final Backend backend;

    AuditPages(Backend backend) {
        this.backend = backend;
    }

    List<Route> routes() {
        List<Route.Param> params = new ArrayList<>();
        for (String f : FILTERS) params.add(Route.Param.query(f, "string", "only the records with this " + f));
        params.add(Route.Param.query("offset", "integer", "the page's first record"));
        return List.of(new Route("GET", "/console/audit", "The audit browser", params, false, "html", null, Html.MEDIA_TYPE, this::audit));
    }

    private JsonNode audit(Request q) {
        int offset = q.intParam("offset", 0, 0, Integer.MAX_VALUE);
        Map<String, String> asked = new LinkedHashMap<>();
        for (String f : FILTERS) {
            if (q.param(f) != null) asked.put(f, q.param(f));
        }
        AuditLog.Filter filter = q.caller().auditFilter(q.param("run"), q.param("party"), q.param("step"), q.param("protection"));
        AuditLog.Page page = backend.catalog().auditPage(filter, offset, PAGE);

        StringBuilder b = new StringBuilder("<form class=\"filters\" method=\"get\" action=\"/console/audit\" id=\"audit-filters\">");
        for (String f : FILTERS) {
            b.append("<label for=\"audit-").append(f).append("\">").append(f).append("<input type=\"text\" id=\"audit-").append(f)
                    .append("\" name=\"").append(f).append("\" value=\"").append(Html.esc(asked.get(f))).append("\"></label>");
        }
        b.append("<button class=\"primary\" id=\"audit-filter\" type=\"submit\">Filter</button></form>");
        if (q.caller().operator()) {
            b.append("<div class=\"card\"><button class=\"primary\" id=\"audit-verify\" type=\"button\">Verify chains</button> ")
                    .append("<span class=\"muted\">checks the hash chains of the audit and the privacy ledger and their signed seals</span>")
                    .append("<div id=\"verify-result\" aria-live=\"polite\"></div></div>");
        }
        List<List<String>> rows = new ArrayList<>();
        for (AuditRecord a : page.records()) {
            rows.add(List.of(Html.esc(a.seq()), Cells.time(a.at()), a.runId() == null ? "—" : Cells.run(a.runId()), Html.esc(a.step()),
                    Html.esc(a.sender()), Html.esc(a.receiver()), Html.esc(a.bytes()), Html.esc(a.protection()), Html.esc(a.msgSeq())));
        }
        long total = page.total();
        b.append("<p class=\"muted\" id=\"audit-count\">").append(total == 0 ? "no records" : "records " + (offset + 1) + "–"
                + (offset + page.records().size()) + " of " + total).append(", newest first</p>");
        b.append(Html.table("audit-table", List.of("#", "At", "Run", "Step", "Sender", "Receiver", "Bytes", "Protection", "Message"), rows));
        b.append("<nav class=\"pager\">");
        if (offset > 0) b.append("<a id=\"audit-prev\" href=\"").append(Html.esc(link(asked, Math.max(0, offset - PAGE)))).append("\">← newer</a>");
        if (offset + page.records().size() < total) {
            b.append("<a id=\"audit-next\" href=\"").append(Html.esc(link(asked, offset + page.records().size()))).append("\">older →</a>");
        }
        b.append("</nav>");
        return Html.page("Audit", q.caller(), b.toString(), q.caller().operator() ? List.of("audit.js") : List.of());
    }

    /** This page at {@code offset} with the same filters. */
    static String link(Map<String, String> filters, int offset) {
        StringBuilder u = new StringBuilder("/console/audit?");
        filters.forEach((k, v) -> u.append(k).append('=').append(Html.seg(v)).append('&'));
        return u.append("offset=").append(offset).toString();
    }
}
