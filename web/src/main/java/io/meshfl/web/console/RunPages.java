package io.meshfl.web.console;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshfl.core.catalog.Catalog;
import io.meshfl.core.catalog.ModelRecord;
import io.meshfl.core.catalog.RoundRecord;
import io.meshfl.core.catalog.RunRecord;
import io.meshfl.web.Backend;
import io.meshfl.web.Caller;
import io.meshfl.web.Json;
import io.meshfl.web.Page;
import io.meshfl.web.Request;
import io.meshfl.web.Route;
import io.meshfl.web.Visibility;

import java.util.ArrayList;
import java.util.List;

/**
 * The pages of work: the job editor, runs (live), models with their lineage. This class serves the
 * list of runs and the live page of one; {@link ModelPages} and {@link JobPages} the rest. Each
 * shows a caller only the runs the API would answer it.
 */
final class RunPages {

    private static final Route.Param ID = Route.Param.path("id", "the run's id");
    private static final Route.Param OFFSET = Route.Param.query("offset", "integer", "the first run shown, newest first");

    private final Backend backend;
    private final Catalog catalog;

    RunPages(Backend backend) {
        this.backend = backend;
        this.catalog = backend.catalog();
    }

    List<Route> routes() {
        List<Route> r = new ArrayList<>();
        r.add(new Route("GET", "/console/runs", "The runs the caller may see, newest first", List.of(OFFSET), false, "html", null, Html.MEDIA_TYPE,
                this::runs));
        r.add(new Route("GET", "/console/runs/{id}", "One run as it goes: state, plan, participants, curves and rounds", List.of(ID), false, "html",
                null, Html.MEDIA_TYPE, this::run));
        r.addAll(new ModelPages(backend).routes());
        r.addAll(new JobPages().routes());
        return r;
    }

    JsonNode runs(Request q) {
        int offset = q.intParam("offset", 0, 0, Integer.MAX_VALUE);
        var page = Visibility.page(catalog, q.caller(), null, offset, Page.DEFAULT_LIMIT);
        List<RunRecord> shown = page.items();
        List<String> rows = new ArrayList<>();
        for (RunRecord r : shown) {
            rows.add("<tr data-run=\"" + Html.esc(r.id()) + "\"><td>" + Html.a("/console/runs/" + Html.seg(r.id()), r.id()) + "</td><td>"
                    + Html.esc(RunFacts.jobName(catalog, r.jobId())) + "</td><td>" + Html.esc(r.strategy()) + "</td><td class=\"" + Html.esc(r.status())
                    + "\">" + Html.esc(r.status()) + "</td><td>" + Html.esc(r.submitter()) + "</td><td>" + Html.esc(RunFacts.when(r.startedAt()))
                    + "</td><td class=\"num\">" + catalog.rounds(r.id()).size() + "</td><td>" + Html.esc(RunFacts.headline(r.metricsJson())) + "</td></tr>");
        }
        String body = RunFacts.table("runs-table", List.of("Run", "Job", "Strategy", "Status", "Submitter", "Started", "Rounds", "Metric"), rows)
                + RunFacts.pager("/console/runs", "runs", offset, Page.DEFAULT_LIMIT, shown.size(), (int) page.total())
                + "<p><a href=\"/console/jobs/new\">Submit a new job</a></p>";
        return Html.page("Runs", q.caller(), body, List.of());
    }

    JsonNode run(Request q) {
        RunRecord r = Visibility.run(catalog, q.caller(), q.path("id"));
        Caller c = q.caller();
        String id = Html.esc(r.id());
        String seg = Html.seg(r.id());
        StringBuilder b = new StringBuilder();

        b.append("<section class=\"card run-head\">");
        b.append(status(r));
        b.append("<dl class=\"facts\">");
        fact(b, "Job", Html.esc(RunFacts.jobName(catalog, r.jobId())));
        fact(b, "Strategy", Html.esc(r.strategy()));
        fact(b, "Submitter", Html.esc(r.submitter()));
        fact(b, "Started", Html.esc(RunFacts.when(r.startedAt())));
        fact(b, "Ended", Html.esc(RunFacts.when(r.endedAt())));
        fact(b, "Bytes sent / received", Html.esc(r.bytesSent() + " / " + r.bytesReceived()));
        fact(b, "Result", Html.esc(RunFacts.metricsText(RunFacts.metrics(r.metricsJson()))));
        b.append("</dl>");
        // only those who may stop the run see the button, and only while there is something to stop
        if (RunRecord.RUNNING.equals(r.status()) && (c.operator() || c.label().equals(r.submitter()))) {
            b.append("<button id=\"run-cancel\" class=\"primary danger\" type=\"button\" data-run=\"").append(id).append("\">Cancel run</button>");
        }
        b.append("<div id=\"run-message\" class=\"run-message\" aria-live=\"polite\"></div></section>");

        b.append("<h2>Plan</h2><pre id=\"run-plan\">").append(Html.esc(RunFacts.explain(r))).append("</pre>");

        b.append("<h2>Participants</h2>");
        List<String> parts = new ArrayList<>();
        for (RunFacts.Part p : RunFacts.participants(catalog, r)) {
            parts.add("<tr><td>" + Html.esc(p.product()) + "</td><td>" + Html.esc(p.version()) + "</td><td>" + Html.esc(p.domain()) + "</td><td>"
                    + Html.esc(p.role()) + "</td></tr>");
        }
        b.append(RunFacts.table("run-participants", List.of("Product", "Version", "Domain", "Role"), parts));

        b.append("<h2>Curves</h2><div id=\"run-curves\" class=\"curves\" data-run=\"").append(id).append("\" data-events=\"/api/runs/").append(Html.esc(seg))
                .append("/events\" data-status=\"").append(Html.esc(r.status())).append("\">")
                .append("<figure class=\"chart\"><figcaption>Metrics by round</figcaption><div id=\"chart-metrics\"></div></figure>")
                .append("<figure class=\"chart\"><figcaption>Bytes by round</figcaption><div id=\"chart-bytes\"></div></figure>")
                .append("<figure class=\"chart\"><figcaption>Seconds by round</figcaption><div id=\"chart-seconds\"></div></figure>")
                .append("<p class=\"muted curves-note\">The curves grow as rounds are committed (they need scripts enabled).</p></div>");

        List<RoundRecord> rounds = catalog.rounds(r.id());
        b.append("<h2>Rounds <span class=\"muted\">(<span id=\"round-count\">").append(rounds.size()).append("</span>)</span></h2>");
        List<String> rows = new ArrayList<>();
        for (RoundRecord x : rounds) rows.add(roundRow(x));
        b.append(RunFacts.table("run-rounds", List.of("Round", "Nodes ok", "Nodes failed", "Seconds", "Bytes sent", "Bytes received", "Metrics"), rows));

        b.append("<h2>Models</h2><ul id=\"run-models\" data-run=\"").append(id).append("\">");
        List<ModelRecord> models = catalog.modelsForRun(r.id());
        for (ModelRecord m : models) {
            b.append("<li>").append(Html.a("/console/models/" + Html.seg(m.id()), m.id())).append(" <span class=\"muted\">")
                    .append(Html.esc(m.modelType())).append("</span></li>");
        }
        if (models.isEmpty()) b.append("<li class=\"muted none\">none yet</li>");
        b.append("</ul>");
        b.append(report(r));
        return Html.page("Run " + r.id(), c, b.toString(), List.of("uPlot.min.css", "uPlot.iife.min.js", "run.js"));
    }

    /**
     * The link to the run's report (HTML, with its curves) once it has one, kept when the run ends; until then a note the page's
     * script turns into the link when the run ends. The API serves the report to whoever may see the run, as this page.
     */
    private String report(RunRecord r) {
        String href = "/api/runs/" + Html.seg(r.id()) + "/report.html";
        if (catalog.runReport(r.id()).isPresent()) {
            return "<p id=\"run-report\" class=\"run-report\">" + Html.a(href, "Report") + " <span class=\"muted\">(" + Html.a("/api/runs/"
                    + Html.seg(r.id()) + "/report", "JSON") + ")</span></p>";
        }
        return "<p id=\"run-report\" class=\"run-report muted\" data-report=\"" + Html.esc(href) + "\">Report: kept when the run ends</p>";
    }

    /** The run's state and, for a run that did not succeed, why: the element the page's script updates when the run ends. */
    private static String status(RunRecord r) {
        StringBuilder b = new StringBuilder("<div id=\"run-status\" class=\"run-status ").append(Html.esc(r.status())).append("\"><strong class=\"state\">")
                .append(Html.esc(r.status())).append("</strong><span class=\"run-error\">");
        if (r.error() != null && !r.error().isBlank()) b.append(": ").append(Html.esc(r.error()));
        return b.append("</span></div>").toString();
    }

    private static void fact(StringBuilder b, String name, String escapedValue) {
        b.append("<dt>").append(Html.esc(name)).append("</dt><dd>").append(escapedValue).append("</dd>");
    }

    /**
     * One committed round as the rounds table shows it; run.js writes the same cells for the rounds it hears of. A failed
     * node is named by its domain only: the reason a node gave stays in the API's answer to those who follow the run.
     */
    static String roundRow(RoundRecord x) {
        StringBuilder failed = new StringBuilder().append(x.nodesFailed());
        JsonNode f = x.failuresJson() == null ? null : Json.parse(x.failuresJson());
        if (f != null && f.size() > 0) {
            List<String> names = new ArrayList<>();
            f.fieldNames().forEachRemaining(names::add);
            failed.append(" (").append(String.join(", ", names)).append(')');
        }
        return "<tr data-round=\"" + x.round() + "\"><td class=\"num\">" + x.round() + "</td><td class=\"num\">" + x.nodesOk() + "</td><td class=\"num\">"
                + Html.esc(failed) + "</td><td class=\"num\">" + Html.esc(RunFacts.num(x.seconds())) + "</td><td class=\"num\">" + x.bytesSent()
                + "</td><td class=\"num\">" + x.bytesReceived() + "</td><td>" + Html.esc(RunFacts.metricsText(RunFacts.metrics(x.metricsJson())))
                + "</td></tr>";
    }
}
