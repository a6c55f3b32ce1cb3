package io.meshfl.web.console;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshfl.core.catalog.AuditLog;
import io.meshfl.core.catalog.AuditRecord;
import io.meshfl.core.catalog.Catalog;
import io.meshfl.core.catalog.ModelRecord;
import io.meshfl.core.catalog.RunRecord;
import io.meshfl.web.ApiException;
import io.meshfl.web.Backend;
import io.meshfl.web.Caller;
import io.meshfl.web.Json;
import io.meshfl.web.Page;
import io.meshfl.web.Problem;
import io.meshfl.web.Request;
import io.meshfl.web.Route;
import io.meshfl.web.Visibility;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The models of the runs a caller may see, and one model's page: its provenance, its lineage from
 * product versions through its run, and what each domain brought to it, in counts and bytes only.
 */
final class ModelPages {

    private static final Route.Param ID = Route.Param.path("id", "the model's id");
    private static final Route.Param OFFSET = Route.Param.query("offset", "integer", "the first model shown, newest first");
    /** Audit records summed per read: the database pages them, the page adds them up. */
    private static final int AUDIT_BATCH = 500;

    private final Catalog catalog;

    ModelPages(Backend backend) {
        this.catalog = backend.catalog();
    }

    List<Route> routes() {
        return List.of(
                new Route("GET", "/console/models", "Models of the runs the caller may see, newest first", List.of(OFFSET), false, "html", null,
                        Html.MEDIA_TYPE, this::models),
                new Route("GET", "/console/models/{id}", "One model: provenance, lineage, each domain's contribution", List.of(ID), false, "html", null,
                        Html.MEDIA_TYPE, this::model));
    }

    JsonNode models(Request q) {
        int offset = q.intParam("offset", 0, 0, Integer.MAX_VALUE);
        var page = Visibility.models(catalog, q.caller(), offset, Page.DEFAULT_LIMIT);
        List<ModelRecord> shown = page.items();
        Map<String, RunRecord> runs = new LinkedHashMap<>();
        for (ModelRecord m : shown) runs.computeIfAbsent(m.runId(), id -> catalog.run(id).orElseThrow());
        List<String> rows = new ArrayList<>();
        for (ModelRecord m : shown) {
            RunRecord r = runs.get(m.runId());
            rows.add("<tr data-model=\"" + Html.esc(m.id()) + "\"><td>" + Html.a("/console/models/" + Html.seg(m.id()), m.id()) + "</td><td>"
                    + Html.esc(m.modelType()) + "</td><td class=\"num\">" + m.numParams() + "</td><td>" + Html.a("/console/runs/" + Html.seg(r.id()), r.id())
                    + "</td><td>" + Html.esc(RunFacts.jobName(catalog, r.jobId())) + "</td><td>" + Html.esc(RunFacts.headline(r.metricsJson())) + "</td><td>"
                    + Html.esc(RunFacts.when(m.createdAt())) + "</td></tr>");
        }
        String body = RunFacts.table("models-table", List.of("Model", "Type", "Parameters", "Run", "Job", "Metric", "Created"), rows)
                + RunFacts.pager("/console/models", "models", offset, Page.DEFAULT_LIMIT, shown.size(), (int) page.total());
        return Html.page("Models", q.caller(), body, List.of());
    }

    JsonNode model(Request q) {
        String id = q.path("id");
        ModelRecord m = id == null ? null : catalog.model(id).orElse(null);
        RunRecord r;
        try {
            if (m == null) throw new ApiException(Problem.notFound("no model"));
            r = Visibility.run(catalog, q.caller(), m.runId());
        } catch (ApiException e) {
            // a model of a run the caller may not see answers as one that does not exist
            throw new ApiException(Problem.notFound("no model '" + id + "' the caller may see"));
        }
        JsonNode prov = Json.parse(m.provenanceJson());
        StringBuilder b = new StringBuilder();

        b.append("<section class=\"card\"><dl id=\"model-provenance\" class=\"facts\">");
        fact(b, "Type", Html.esc(m.modelType()));
        fact(b, "Parameters", Html.esc(m.numParams()));
        fact(b, "Created", Html.esc(RunFacts.when(m.createdAt())));
        fact(b, "Run", "<a id=\"model-run\" href=\"/console/runs/" + Html.esc(Html.seg(r.id())) + "\">" + Html.esc(r.id()) + "</a>");
        fact(b, "Job", Html.esc(RunFacts.jobName(catalog, r.jobId())));
        String file = text(prov, "job_file");
        if (file != null) fact(b, "Job file", Html.esc(fileName(file)));
        fact(b, "Strategy", Html.esc(r.strategy()));
        String aggregator = text(prov, "aggregator");
        if (aggregator != null) fact(b, "Aggregator", Html.esc(aggregator));
        fact(b, "Submitter", Html.esc(r.submitter()));
        String label = text(prov, "label");
        if (label != null) fact(b, "Label", Html.esc(label));
        if (prov.path("features").isArray()) fact(b, "Features", Html.esc(prov.path("features").size() + " columns"));
        if (prov.path("rounds").isNumber()) fact(b, "Rounds", Html.esc(prov.path("rounds").asInt()));
        if (prov.path("seed").isNumber()) fact(b, "Seed", Html.esc(prov.path("seed").asLong()));
        String version = text(prov, "meshfl_version");
        if (version != null) fact(b, "MeshFL", Html.esc(version));
        String metrics = prov.path("metrics").isObject() ? prov.path("metrics").toString() : r.metricsJson();
        fact(b, "Metrics", Html.esc(RunFacts.metricsText(RunFacts.metrics(metrics))));
        b.append("</dl></section>");

        b.append(registry(m.id()));
        List<Lineage.Source> sources = sources(prov, r);
        b.append("<h2>Lineage</h2><div class=\"lineage-box\">").append(Lineage.svg(sources, r.id(), r.strategy(), m.id(), m.modelType())).append("</div>");
        b.append("<h2>What each domain brought</h2>").append(contribution(q.caller(), r));
        return Html.page("Model " + m.id(), q.caller(), b.toString(), List.of());
    }

    /**
     * The model's place in the registry: its name and version, stage and owner, the owners' signed
     * approvals with the certificates that signed them, the owners still missing, its stages and,
     * once promoted, its output contract.
     */
    private String registry(String modelId) {
        if (new io.meshfl.core.catalog.ModelRegistry(catalog).entry(modelId).isEmpty()) return "";
        JsonNode card = io.meshfl.core.catalog.ModelCards.card(catalog, modelId);
        StringBuilder b = new StringBuilder("<h2>Registry</h2><section class=\"card\"><dl id=\"model-registry\" class=\"facts\">");
        fact(b, "Name", Html.esc(card.path("name").asText() + " v" + card.path("version").asInt()));
        fact(b, "Stage", "<span class=\"stage-" + Html.esc(card.path("stage").asText()) + "\">" + Html.esc(card.path("stage").asText()) + "</span>");
        fact(b, "Owner", Html.esc(card.path("owner").asText()));
        fact(b, "Purpose", Html.esc(card.path("purpose").asText()));
        fact(b, "Privacy", Html.esc(card.path("privacy").asText()));
        List<String> missing = new ArrayList<>();
        for (JsonNode t : card.path("to_approve")) missing.add(t.path("owner").asText() + " (" + t.path("product").asText() + ")");
        fact(b, "Awaiting approval of", Html.esc(missing.isEmpty() ? "no one" : String.join(", ", missing)));
        b.append("</dl>");
        List<String> rows = new ArrayList<>();
        for (JsonNode a : card.path("approvals")) {
            rows.add("<tr><td>" + Html.esc(a.path("product").asText() + "@" + a.path("version").asText()) + "</td><td>" + Html.esc(a.path("approver").asText())
                    + "</td><td><code>" + Html.esc(a.path("certificate_sha256").asText().substring(0, 16)) + "</code></td><td><code>"
                    + Html.esc(a.path("contract_sha256").asText().substring(0, 16)) + "</code></td><td>" + Html.esc(a.path("at").asText()) + "</td></tr>");
        }
        if (!rows.isEmpty()) {
            b.append(RunFacts.table("model-approvals", List.of("Product", "Approved by", "Certificate SHA-256", "Contract SHA-256", "At"), rows));
        }
        List<String> stages = new ArrayList<>();
        for (JsonNode h : card.path("history")) {
            stages.add("<tr><td>" + Html.esc(h.path("stage").asText()) + "</td><td>" + Html.esc(h.path("by").asText()) + "</td><td>"
                    + Html.esc(h.path("reason").asText()) + "</td><td>" + Html.esc(h.path("at").asText()) + "</td></tr>");
        }
        b.append(RunFacts.table("model-stages", List.of("Stage", "By", "Why", "At"), stages));
        if (card.hasNonNull("output_contract")) {
            b.append("<h3>Output contract</h3><pre id=\"model-output-contract\">").append(Html.esc(card.path("output_contract").asText())).append("</pre>");
        }
        return b.append("</section>").toString();
    }

    /** The product versions the model's run read: as its provenance records them, else as its plan or the catalog does. */
    private List<Lineage.Source> sources(JsonNode prov, RunRecord r) {
        List<Lineage.Source> out = new ArrayList<>();
        for (JsonNode p : prov.path("products")) {
            String product = text(p, "id");
            if (product != null) out.add(new Lineage.Source(product, text(p, "version"), text(p, "domain"), text(p, "role")));
        }
        if (out.isEmpty()) {
            for (RunFacts.Part p : RunFacts.participants(catalog, r)) out.add(new Lineage.Source(p.product(), p.version(), p.domain(), p.role()));
        }
        return out;
    }

    /** What one party brought: its products' rows and columns from the plan, its messages and bytes from the audit. */
    private static final class Share {
        final List<String> products = new ArrayList<>();
        long rows = -1;
        int features = -1;
        long sent, bytesSent, received, bytesReceived;
    }

    /**
     * Per party of the run: its products, rows and columns as the plan counted them, and the messages and bytes the audit
     * recorded it sending and receiving, with their totals. Only counts: no row and no value of any domain's data. The
     * audit is read with the caller's own restriction, so a domain's page counts only the messages the API would show it.
     */
    String contribution(Caller c, RunRecord r) {
        Map<String, Share> parties = new LinkedHashMap<>();
        for (RunFacts.Part p : RunFacts.participants(catalog, r)) {
            Share s = parties.computeIfAbsent(p.domain() == null ? "" : p.domain(), d -> new Share());
            s.products.add(p.product() + "@" + p.version() + (p.role() == null || p.role().isEmpty() ? "" : " (" + p.role() + ")"));
            if (p.rows() >= 0 && !"evaluate".equals(p.role())) s.rows = Math.max(0, s.rows) + p.rows();
            if (p.features() >= 0) s.features = Math.max(0, s.features) + p.features();
        }
        long messages = 0, bytes = 0;
        AuditLog.Filter f = c.auditFilter(r.id(), null, null, null);
        Set<Long> seen = new HashSet<>();
        for (int offset = 0; ; offset += AUDIT_BATCH) {
            List<AuditRecord> page = catalog.auditPage(f, offset, AUDIT_BATCH).records();
            for (AuditRecord a : page) {
                // a record logged while paging shifts the pages by one: counted once all the same
                if (!seen.add(a.seq())) continue;
                messages++;
                bytes += a.bytes();
                Share from = parties.computeIfAbsent(a.sender(), d -> new Share());
                from.sent++;
                from.bytesSent += a.bytes();
                Share to = parties.computeIfAbsent(a.receiver(), d -> new Share());
                to.received++;
                to.bytesReceived += a.bytes();
            }
            if (page.size() < AUDIT_BATCH) break;
        }
        List<String> rows = new ArrayList<>();
        long allRows = 0;
        for (var e : parties.entrySet()) {
            Share s = e.getValue();
            if (s.rows > 0) allRows += s.rows;
            rows.add("<tr data-party=\"" + Html.esc(e.getKey()) + "\"><td class=\"party\">" + Html.esc(e.getKey()) + "</td><td>"
                    + Html.esc(String.join(", ", s.products)) + "</td><td class=\"num rows\">" + (s.rows < 0 ? "" : s.rows) + "</td><td class=\"num features\">"
                    + (s.features < 0 ? "" : s.features) + "</td><td class=\"num messages-sent\">" + s.sent + "</td><td class=\"num bytes-sent\">" + s.bytesSent
                    + "</td><td class=\"num messages-received\">" + s.received + "</td><td class=\"num bytes-received\">" + s.bytesReceived + "</td></tr>");
        }
        String table = RunFacts.table("contribution", List.of("Party", "Products", "Rows", "Columns", "Messages sent", "Bytes sent", "Messages received",
                "Bytes received"), rows);
        // every message has one sender and one receiver among the parties, so both byte columns add up to the same total
        String foot = "<tfoot><tr class=\"total\"><th>All</th><td></td><td class=\"num rows\">" + allRows + "</td><td></td><td class=\"num messages-sent\">"
                + messages + "</td><td class=\"num bytes-sent\">" + bytes + "</td><td class=\"num messages-received\">" + messages
                + "</td><td class=\"num bytes-received\">" + bytes + "</td></tr></tfoot>";
        table = table.substring(0, table.length() - "</table>".length()) + foot + "</table>";
        String note = c.operator() || c.domain() == null ? ""
                : "<p class=\"muted\">" + Html.esc("Counted from the messages " + c.label() + " sent or received, as its audit shows them.") + "</p>";
        return table + note;
    }

    private static void fact(StringBuilder b, String name, String escapedValue) {
        b.append("<dt>").append(Html.esc(name)).append("</dt><dd>").append(escapedValue).append("</dd>");
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.path(field);
        return v.isValueNode() && !v.isNull() ? v.asText() : null;
    }

    /** A job file by its name alone: the folder it was in is the submitting machine's. */
    static String fileName(String path) {
        int cut = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
        return path.substring(cut + 1);
    }
}
