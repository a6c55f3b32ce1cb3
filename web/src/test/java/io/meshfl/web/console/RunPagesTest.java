package io.meshfl.web.console;

import io.meshfl.core.catalog.AuditRecord;
import io.meshfl.core.catalog.Catalog;
import io.meshfl.core.catalog.RoundRecord;
import io.meshfl.core.catalog.RunRecord;
import io.meshfl.core.model.ModelSpec;
import io.meshfl.core.plan.Plan;
import io.meshfl.core.trust.MeshIdentity;
import io.meshfl.web.ApiException;
import io.meshfl.web.Backend;
import io.meshfl.web.Caller;
import io.meshfl.web.Json;
import io.meshfl.web.Request;
import io.meshfl.web.Route;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The runs, run, models, model and job editor pages, their handlers called as the console's
 * server would call them for a signed-in caller, over an in-memory catalog: what each caller sees,
 * what a page renders without script, and what it must never show.
 */
class RunPagesTest {

    private static final String LENDING_FOLDER = "/srv/lending/";
    private static final String JOB_FOLDER = "/home/alice/private-jobs/";
    private static final String JOB_NAME = "<script>alert(1)</script>";

    private Catalog catalog;
    private Map<String, Route> routes;
    /** alice's finished run over lending's and shop's products, with a model. */
    private String aliceRun;
    /** alice's run still going, one round in. */
    private String aliceRunning;
    /** the operator's run over shop's product alone. */
    private String operatorRun;
    private String model;

    /** A contract of {@code domain}'s product, its data in a folder of the domain's that no page may show. */
    private static String contract(String domain) {
        return """
                apiVersion: v3.0.2
                kind: DataContract
                id: %1$s.accounts
                version: 1.0.0
                domain: %1$s
                dataProduct: accounts
                servers:
                  - {server: local, type: csv, path: %2$s%1$s-accounts.csv}
                schema:
                  - name: accounts
                    properties:
                      - {name: id, logicalType: string, primaryKey: true}
                      - {name: income, logicalType: number}
                      - {name: y, logicalType: integer}
                meshfl:
                  entityKey: id
                  label: y
                """.formatted(domain, "lending".equals(domain) ? LENDING_FOLDER : "/srv/shop/");
    }

    private static String planJson() throws Exception {
        Plan plan = new Plan("horizontal", "fedavg",
                List.of(new Plan.Participant("lending.accounts", "lending", "1.0.0", 1000), new Plan.Participant("shop.accounts", "shop", "1.0.0", 500)),
                List.of(), List.of("income"), "y", ModelSpec.of(ModelSpec.Type.LOGISTIC), 2, 2,
                List.of(new Plan.Candidate("horizontal", true, null, 2048, 0.5)), List.of("the products share their columns"));
        return Json.MAPPER.writeValueAsString(plan);
    }

    /** One round's messages: the coordinator sends each domain the model, each domain answers with its update. */
    private static List<AuditRecord> traffic(String job, String run) {
        Instant now = Instant.now();
        return List.of(AuditRecord.of(now, job, run, "horizontal/train", "coordinator", "lending", 100, "plain | mutual TLS"),
                AuditRecord.of(now, job, run, "horizontal/train", "coordinator", "shop", 200, "plain | mutual TLS"),
                AuditRecord.of(now, job, run, "horizontal/train", "lending", "coordinator", 40, "plain | mutual TLS"),
                AuditRecord.of(now, job, run, "horizontal/train", "shop", "coordinator", 60, "plain | mutual TLS"));
    }

    @BeforeEach
    void mesh() throws Exception {
        catalog = Catalog.inMemory("pages" + System.nanoTime());
        catalog.upsertDomain("lending", "lending-owner");
        catalog.upsertDomain("shop", "shop-owner");
        catalog.registerProduct("lending.accounts", "lending", "1.0.0", contract("lending"), 1000);
        catalog.registerProduct("shop.accounts", "shop", "1.0.0", contract("shop"), 500);
        String job = catalog.createJob(JOB_NAME, "name: credit").id();
        String plan = planJson();

        var run = catalog.startRun(job, "horizontal", plan, "{}", 7, List.of("lending.accounts", "shop.accounts"),
                new Catalog.Ticket("client:alice", "n1", "sha"));
        catalog.recordRound(run.id(), new RoundRecord(1, 0.5, 300, 100, 2, 0, "{\"auc\": 0.61, \"train_loss\": 0.69}"), traffic(job, run.id()));
        catalog.recordRound(run.id(), new RoundRecord(2, 0.25, 300, 100, 1, 1, "{\"auc\": 0.72, \"train_loss\": 0.55}",
                "{\"shop\": \"MeshFL-501 NODE_FAILURE: read " + "/srv/shop/orders.csv failed\"}"), traffic(job, run.id()));
        catalog.finishRun(run.id(), "{\"auc\": 0.72}", 800, 800);
        aliceRun = run.id();
        String provenance = Json.MAPPER.createObjectNode().put("run_id", aliceRun).put("job_id", job).put("job_file", JOB_FOLDER + "credit.yaml")
                .put("strategy", "horizontal").put("aggregator", "fedavg").put("label", "y").put("rounds", 2).put("seed", 7)
                .set("products", Json.MAPPER.readTree("[{\"id\":\"lending.accounts\",\"version\":\"1.0.0\",\"domain\":\"lending\",\"role\":\"train\"},"
                        + "{\"id\":\"shop.accounts\",\"version\":\"1.0.0\",\"domain\":\"shop\",\"role\":\"train\"}]")).toString();
        model = catalog.saveModel(aliceRun, "logistic", new double[]{0.1, 0.2}, provenance).id();

        var running = catalog.startRun(job, "horizontal", plan, "{}", 8, List.of("lending.accounts", "shop.accounts"),
                new Catalog.Ticket("client:alice", "n2", "sha"));
        catalog.recordRound(running.id(), new RoundRecord(1, 0.5, 300, 100, 2, 0, "{\"auc\": 0.6}"), traffic(job, running.id()));
        aliceRunning = running.id();

        var op = catalog.startRun(job, "horizontal", "{}", "{}", 9, List.of("shop.accounts"), new Catalog.Ticket("client:operator", "n3", "sha"));
        catalog.finishRun(op.id(), "{\"auc\": 0.5}", 0, 0);
        operatorRun = op.id();

        routes = new java.util.HashMap<>();
        for (Route r : ConsoleRoutes.routes(new Backend(catalog, spec -> {
            throw new UnsupportedOperationException("these pages do not plan");
        }, null))) {
            routes.put(r.path(), r);
        }
    }

    @AfterEach
    void close() {
        catalog.close();
    }

    private static Caller client(String name) {
        return new Caller(new MeshIdentity(MeshIdentity.Role.CLIENT, name, BigInteger.ONE, Instant.now().plusSeconds(3600)));
    }

    private static Caller domain(String name) {
        return new Caller(new MeshIdentity(MeshIdentity.Role.DOMAIN, name, BigInteger.ONE, Instant.now().plusSeconds(3600)));
    }

    private String page(String route, Caller c, Map<String, String> path, Map<String, String> query) {
        Route r = routes.get(route);
        assertNotNull(r, "a route " + route);
        assertEquals(Html.MEDIA_TYPE, r.produces());
        String html = r.handler().handle(new Request(c, path, query)).asText();
        // the Content-Security-Policy runs no inline script and no event attribute: every script is a file of the console's
        assertEquals(count(html, "<script"), count(html, "<script src=\"/console/static/"), "only scripts by file");
        assertFalse(Pattern.compile("\\son[a-z]+\\s*=", Pattern.CASE_INSENSITIVE).matcher(html).find(), "no event attributes");
        return html;
    }

    private String page(String route, Caller c, Map<String, String> path) {
        return page(route, c, path, Map.of());
    }

    private static int count(String text, String what) {
        int n = 0;
        for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + 1)) n++;
        return n;
    }

    private static String element(String html, String tag, String id) {
        Matcher m = Pattern.compile("<" + tag + " id=\"" + id + "\"[\\s\\S]*?</" + tag + ">").matcher(html);
        assertTrue(m.find(), "a " + tag + "#" + id + " in the page");
        return m.group();
    }

    private static List<String> runsListed(String html) {
        List<String> out = new ArrayList<>();
        Matcher m = Pattern.compile("<tr data-run=\"([^\"]+)\"").matcher(element(html, "table", "runs-table"));
        while (m.find()) out.add(m.group(1));
        return out;
    }

    private static int status(Runnable r) {
        return assertThrows(ApiException.class, r::run).problem.status();
    }

    @Test
    void aClientSeesOnlyTheRunsItSubmittedAndOthersRunsAnswerAsAbsent() {
        Caller alice = client("alice");
        List<String> listed = runsListed(page("/console/runs", alice, Map.of()));
        assertEquals(List.of(aliceRunning, aliceRun).stream().sorted().toList(), listed.stream().sorted().toList());
        assertEquals(aliceRunning, listed.get(0), "newest first");
        assertEquals(404, status(() -> page("/console/runs/{id}", alice, Map.of("id", operatorRun))));
        assertEquals(404, status(() -> page("/console/runs/{id}", alice, Map.of("id", "no-such-run"))));
        assertEquals(3, runsListed(page("/console/runs", client("operator"), Map.of())).size(), "the operator sees every run");
    }

    @Test
    void aDomainSeesTheRunsOverItsProductsAndNoOthers() {
        assertEquals(List.of(aliceRunning, aliceRun).stream().sorted().toList(),
                runsListed(page("/console/runs", domain("lending"), Map.of())).stream().sorted().toList());
        assertEquals(3, runsListed(page("/console/runs", domain("shop"), Map.of())).size(), "every run read shop's product");
        assertEquals(404, status(() -> page("/console/runs/{id}", domain("lending"), Map.of("id", operatorRun))));
        assertEquals(404, status(() -> page("/console/models/{id}", client("bob"), Map.of("id", model))), "a model of a run bob may not see");
        assertTrue(page("/console/models", client("bob"), Map.of()).contains("class=\"empty\""), "bob's list of models is empty");
        assertTrue(page("/console/models", domain("shop"), Map.of()).contains("/console/models/" + Html.seg(model)));
    }

    @Test
    void theRunListPagesByFiftyKeepingTheOffsetInItsLinks() {
        String job = catalog.createJob("many", "name: many").id();
        for (int i = 0; i < 55; i++) {
            catalog.startRun(job, "horizontal", "{}", "{}", i, List.of("shop.accounts"), new Catalog.Ticket("client:bob", "m" + i, "s"));
        }
        String first = page("/console/runs", client("bob"), Map.of());
        assertEquals(50, runsListed(first).size());
        assertTrue(first.contains("id=\"runs-next\" rel=\"next\" href=\"/console/runs?offset=50\""), "a link to the next page");
        String second = page("/console/runs", client("bob"), Map.of(), Map.of("offset", "50"));
        assertEquals(5, runsListed(second).size());
        assertTrue(second.contains("href=\"/console/runs?offset=0\""), "a link back");
        assertFalse(second.contains("runs-next"), "the last page has no next");
    }

    @Test
    void theRunPageRendersItsCommittedRoundsPlanAndParticipantsAndNamesItsEventStream() {
        String html = page("/console/runs/{id}", client("alice"), Map.of("id", aliceRun));
        String rounds = element(html, "table", "run-rounds");
        assertEquals(2, count(rounds, "<tr data-round="));
        assertTrue(rounds.contains("auc=0.7200"), rounds);
        assertTrue(rounds.contains("1 (shop)"), "a failed node by its domain: " + rounds);
        assertFalse(html.contains("orders.csv") || html.contains("/srv/"), "no domain's file path, not even in a node's failure");
        assertTrue(html.contains("<span id=\"round-count\">2</span>"));
        assertTrue(html.contains("data-events=\"/api/runs/" + Html.seg(aliceRun) + "/events\""), "the run's event stream");
        assertTrue(html.contains("<div id=\"run-curves\" class=\"curves\" data-run=\"" + Html.esc(aliceRun) + "\""));
        assertTrue(html.indexOf("uPlot.iife.min.js") < html.indexOf("run.js") && html.contains("uPlot.min.css"), "uPlot before the page's script");
        String plan = element(html, "pre", "run-plan");
        assertTrue(plan.contains("PLAN  strategy=horizontal") && plan.contains("lending.accounts v1.0.0"), plan);
        String parts = element(html, "table", "run-participants");
        assertTrue(parts.contains("<td>shop.accounts</td><td>1.0.0</td><td>shop</td><td>train</td>"), parts);
        assertTrue(html.contains("id=\"run-status\" class=\"run-status SUCCEEDED\""));
        assertTrue(element(html, "ul", "run-models").contains("/console/models/" + Html.seg(model)));
        assertFalse(html.contains("id=\"run-cancel\""), "a finished run has nothing to cancel");
    }

    @Test
    void aRunPageLinksItsReportBesideItsModelsOnceTheRunHasOne() {
        String before = element(page("/console/runs/{id}", client("alice"), Map.of("id", aliceRun)), "p", "run-report");
        assertFalse(before.contains("<a "), "no report kept yet: no link to a 404 " + before);
        assertTrue(before.contains("data-report=\"/api/runs/" + Html.seg(aliceRun) + "/report.html\""), "the script's link for when it ends");
        catalog.saveRunReport(aliceRun, Json.MAPPER.createObjectNode().put("run_id", aliceRun).put("status", "SUCCEEDED"));
        String html = page("/console/runs/{id}", client("alice"), Map.of("id", aliceRun));
        String link = element(html, "p", "run-report");
        assertTrue(link.contains("<a href=\"/api/runs/" + Html.seg(aliceRun) + "/report.html\">Report</a>"), link);
        assertTrue(html.indexOf("id=\"run-models\"") < html.indexOf("id=\"run-report\""), "beside the models");
        assertTrue(element(html, "ul", "run-models").contains("/console/models/" + Html.seg(model)), "the models' list keeps its id");
    }

    @Test
    void aRunningRunOffersCancelToItsSubmitterAndTheOperatorOnly() {
        assertTrue(page("/console/runs/{id}", client("alice"), Map.of("id", aliceRunning)).contains("id=\"run-cancel\""));
        assertTrue(page("/console/runs/{id}", client("operator"), Map.of("id", aliceRunning)).contains("id=\"run-cancel\""));
        String lending = page("/console/runs/{id}", domain("lending"), Map.of("id", aliceRunning));
        assertFalse(lending.contains("id=\"run-cancel\""), "a domain follows the run but does not stop it");
        assertTrue(lending.contains("class=\"run-status " + RunRecord.RUNNING + "\""));
        assertTrue(lending.contains("<span id=\"round-count\">1</span>"));
    }

    @Test
    void theLineageNamesEveryProductVersionTheRunAndTheModelAndNoFolder() {
        String html = page("/console/models/{id}", client("alice"), Map.of("id", model));
        String svg = element(html, "svg", "lineage");
        for (String s : List.of("lending.accounts@1.0.0", "shop.accounts@1.0.0", "run " + aliceRun, "model " + model, ">lending<", ">shop<")) {
            assertTrue(svg.contains(s), "the lineage names " + s + ": " + svg);
        }
        assertEquals(3, count(svg, "marker-end="), "an arrow from each product to the run and one to the model");
        String facts = element(html, "dl", "model-provenance");
        assertTrue(facts.contains("credit.yaml"), "the job file by name");
        assertTrue(facts.contains("href=\"/console/runs/" + Html.seg(aliceRun) + "\""), "a link to the run");
        assertFalse(html.contains(JOB_FOLDER) || html.contains("private-jobs") || html.contains(LENDING_FOLDER), "no folder of anyone's");
    }

    @Test
    void theModelPageShowsItsRegistryStageTheOwnersApprovalsAndWhoIsStillMissing() {
        assertFalse(page("/console/models/{id}", client("alice"), Map.of("id", model)).contains("model-registry"), "not registered: no section");
        io.meshfl.core.catalog.ModelRegistry registry = new io.meshfl.core.catalog.ModelRegistry(catalog);
        registry.register(model, JOB_NAME, "client:alice");
        var lending = registry.inputs(model).get(0);
        registry.approve(model, lending, "domain:lending", "ab".repeat(32), "c2ln");
        String html = page("/console/models/{id}", client("alice"), Map.of("id", model));
        String facts = element(html, "dl", "model-registry");
        assertTrue(facts.contains(Html.esc(JOB_NAME) + " v1") && !facts.contains(JOB_NAME) && facts.contains("candidate") && facts.contains("client:alice"), facts);
        assertTrue(facts.contains("shop (shop.accounts)"), "shop's approval is still missing: " + facts);
        String approvals = element(html, "table", "model-approvals");
        assertTrue(approvals.contains("lending.accounts@1.0.0") && approvals.contains("domain:lending") && approvals.contains("abababab"), approvals);
        assertFalse(html.contains("model-output-contract"), "no output contract before promotion");
        assertFalse(page("/console/products", client("alice"), Map.of()).contains("ports-table"), "no port before promotion");

        // promoted: its output port is a product among the products, for the identities it names
        registry.approve(model, registry.inputs(model).get(1), "domain:shop", "ab".repeat(32), "c2ln");
        registry.promote(model, "client:alice", () -> io.meshfl.core.catalog.ModelCards.outputContract(catalog, model));
        String ports = element(page("/console/products", client("alice"), Map.of()), "table", "ports-table");
        assertTrue(ports.contains("model." + Html.esc(JOB_NAME)) && ports.contains("href=\"/console/models/" + Html.seg(model) + "\"")
                && ports.contains("domain:lending"), ports);
        assertTrue(page("/console/products", domain("shop"), Map.of()).contains("ports-table"), "an input's owner consumes the port");
        assertFalse(page("/console/products", client("mallory"), Map.of()).contains("ports-table"), "an identity the port does not name sees none");
    }

    @Test
    void theContributionTableSumsTheAuditBytesOfEachParty() {
        String table = element(page("/console/models/{id}", client("operator"), Map.of("id", model)), "table", "contribution");
        // two rounds of: coordinator -> lending 100, -> shop 200; lending -> coordinator 40; shop -> coordinator 60
        assertEquals(List.of("2", "80", "2", "200"), party(table, "lending"));
        assertEquals(List.of("2", "120", "2", "400"), party(table, "shop"));
        assertEquals(List.of("4", "600", "4", "200"), party(table, "coordinator"));
        assertTrue(table.contains("<td class=\"num bytes-sent\">800</td><td class=\"num messages-received\">8</td><td class=\"num bytes-received\">800</td>"),
                "the totals: " + table);
        assertTrue(table.contains("<td class=\"num rows\">1000</td>"), "lending's rows as the plan counted them");

        // a domain counts only what it sent or received, as its audit shows it
        String lending = element(page("/console/models/{id}", domain("lending"), Map.of("id", model)), "table", "contribution");
        assertEquals(List.of("0", "0", "0", "0"), party(lending, "shop"));
        assertEquals(List.of("2", "80", "2", "200"), party(lending, "lending"));
    }

    /** A party's messages sent, bytes sent, messages received and bytes received in the contribution table. */
    private static List<String> party(String table, String name) {
        Matcher row = Pattern.compile("<tr data-party=\"" + name + "\">([\\s\\S]*?)</tr>").matcher(table);
        assertTrue(row.find(), name + " in " + table);
        List<String> out = new ArrayList<>();
        for (String cls : List.of("messages-sent", "bytes-sent", "messages-received", "bytes-received")) {
            Matcher m = Pattern.compile("<td class=\"num " + cls + "\">(\\d+)</td>").matcher(row.group(1));
            assertTrue(m.find(), cls + " of " + name);
            out.add(m.group(1));
        }
        return out;
    }

    @Test
    void aScriptTagInAJobNameComesOutEscapedOnEveryPage() {
        String escaped = "&lt;script&gt;alert(1)&lt;/script&gt;";
        for (String html : List.of(page("/console/runs", client("alice"), Map.of()), page("/console/runs/{id}", client("alice"), Map.of("id", aliceRun)),
                page("/console/models", client("alice"), Map.of()), page("/console/models/{id}", client("alice"), Map.of("id", model)))) {
            assertFalse(html.contains(JOB_NAME), "the job name is not markup");
            assertTrue(html.contains(escaped), "the job name is shown as text");
        }
    }

    @Test
    void theJobEditorHasTheFieldsItsScriptDrives() {
        String html = page("/console/jobs/new", client("alice"), Map.of());
        for (String id : List.of("<textarea id=\"job-yaml\"", "<pre id=\"job-plan\"", "id=\"job-problem\"", "id=\"job-accept-warnings\"",
                "id=\"job-submit\"")) {
            assertTrue(html.contains(id), id);
        }
        assertTrue(html.contains("<script src=\"/console/static/editor.js\">"));
        assertTrue(Assets.find("/console/static/editor.js").isPresent() && Assets.find("/console/static/run.js").isPresent(), "the scripts are served");
    }
}
