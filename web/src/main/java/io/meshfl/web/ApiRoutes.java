package io.meshfl.web;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshfl.core.catalog.Catalog;
import io.meshfl.core.catalog.ProductRecord;
import io.meshfl.core.catalog.RunRecord;
import io.meshfl.core.contract.DataContract;

import java.util.ArrayList;
import java.util.List;

/**
 * The read routes of the API over the catalog: who is calling, domains, nodes, products, runs with
 * their rounds, models with their provenance. Each list answers only what the caller may see
 * ({@link Caller}), newest first where records have a time.
 */
final class ApiRoutes {

    private final Catalog catalog;
    private final Backend backend;

    ApiRoutes(Backend backend) {
        this.catalog = backend.catalog();
        this.backend = backend;
    }

    private static final Route.Param ID = Route.Param.path("id", "the record's id");
    private static final Route.Param RUN = Route.Param.query("run", "string", "only the records of this run");
    private static final Route.Param PARTY = Route.Param.query("party", "string", "only messages this party (a domain, or coordinator) sent or received");
    private static final Route.Param STEP = Route.Param.query("step", "string", "only this protocol step (e.g. horizontal/train)");
    private static final Route.Param PROTECTION = Route.Param.query("protection", "string", "only messages whose protection names this (e.g. paillier)");
    private static final Route.Param STATUS = Route.Param.query("status", "string", "only runs in this state (RUNNING, SUCCEEDED, FAILED, ...)");

    List<Route> routes() {
        List<Route> r = new ArrayList<>();
        r.add(new Route("GET", "/api/me", "The calling identity and what it may see", List.of(), false, "Caller", this::me));
        r.add(new Route("GET", "/api/domains", "The mesh's domains", List.of(), true, "Domain",
                q -> Page.of(catalog.domains(), q, Views::domain)));
        r.add(new Route("GET", "/api/nodes", "Nodes with their state and last heartbeat (a domain sees its own)", List.of(), true, "Node",
                q -> Page.of(catalog.nodes().stream().filter(n -> q.caller().mayReadNode(n.domain())).toList(), q, Views::node)));
        r.add(new Route("GET", "/api/products", "Data products the caller may read: schema, policy, grants (never where the data lives)",
                List.of(), true, "Product", this::products));
        r.add(new Route("GET", "/api/products/{id}", "One data product with all its versions", List.of(ID), false, "ProductVersions", this::product));
        r.add(new Route("GET", "/api/runs", "Runs the caller may see, newest first", List.of(STATUS), true, "Run", this::runs));
        r.add(new Route("GET", "/api/runs/{id}", "One run: plan, metrics, every round, its models", List.of(ID), false, "RunDetail", this::run));
        r.add(Route.events("/api/runs/{id}/events", "A run as it goes, as server-sent events: a 'round' event for every committed round (those "
                + "already committed first), then one 'ended' event with the run's state", List.of(ID), "RoundEvent", this::follow));
        r.add(new Route("GET", "/api/runs/{id}/report", "The report of a run that ended, as its submitter's report.json (a run that did not "
                + "succeed: how far it got); no file path of any machine; 404 until the run has one", List.of(ID), false, "RunReport", this::report));
        r.add(new Route("GET", "/api/runs/{id}/report.html", "The same report as a page of HTML with its curves", List.of(ID), false, "RunReportHtml",
                null, io.meshfl.web.console.Html.MEDIA_TYPE, this::reportHtml));
        r.add(new Route("GET", "/api/models", "Models of runs the caller may see, newest first", List.of(), true, "Model", this::models));
        r.add(new Route("GET", "/api/models/{id}", "One model with its provenance", List.of(ID), false, "Model", this::model));
        r.add(new Route("GET", "/api/models/{id}/card", "A registered model's card: name, version, stage, data it learned from with contract "
                + "hashes, metrics, privacy, limits, the owners' signed approvals, what each missing owner signs, its stages and output contract",
                List.of(ID), false, "ModelCard", this::card));
        r.add(new Route("POST", "/api/plan", "How a job (its YAML file as the body) would run, as the coordinator would plan it, without running it; "
                + "every product it names must be the caller's domain's or granted to it", List.of(), false, "Plan", "application/yaml", this::plan));
        r.add(new Route("GET", "/api/audit", "Audit records newest first: every message of every run, its step, parties, bytes and protection "
                + "(a domain sees what it sent or received, a client the runs it submitted)", List.of(RUN, PARTY, STEP, PROTECTION), true, "AuditRecord",
                this::audit));
        r.add(new Route("GET", "/api/audit/verify", "The operator's check of the catalog's hash chains and signed seals", List.of(), false,
                "ChainReport", this::verify));
        return r;
    }

    private JsonNode me(Request q) {
        return Json.MAPPER.createObjectNode().put("identity", q.caller().label()).put("operator", q.caller().operator());
    }

    private JsonNode products(Request q) {
        List<JsonNode> out = new ArrayList<>();
        for (ProductRecord p : catalog.products()) {
            DataContract c = StoredContracts.load(p);
            if (q.caller().mayRead(p, c)) out.add(shown(p, c));
        }
        return Page.of(out, q, x -> x);
    }

    private static JsonNode shown(ProductRecord p, DataContract c) {
        var o = Views.product(p, c);
        if (c == null) o.put("contract_error", "the stored contract of version " + p.version() + " does not load with this coordinator's loader");
        return o;
    }

    private JsonNode product(Request q) {
        String id = q.path("id");
        List<ProductRecord> versions = catalog.productVersions(id);
        // one that exists but may not be read answers as one that does not: the API does not confirm a product's existence
        List<JsonNode> out = new ArrayList<>();
        for (ProductRecord p : versions) {
            DataContract c = StoredContracts.load(p);
            if (q.caller().mayRead(p, c)) out.add(shown(p, c));
        }
        if (out.isEmpty()) throw new ApiException(Problem.notFound("no data product '" + id + "' the caller may read"));
        var o = Json.MAPPER.createObjectNode().put("id", id);
        o.set("versions", Json.MAPPER.valueToTree(out));
        return o;
    }

    private JsonNode runs(Request q) {
        var page = Visibility.page(catalog, q.caller(), q.param("status"), offset(q), limit(q));
        return Page.counted(page.items(), page.total(), q, Views::run);
    }

    private static int offset(Request q) {
        return q.intParam("offset", 0, 0, Integer.MAX_VALUE);
    }

    private static int limit(Request q) {
        return q.intParam("limit", Page.DEFAULT_LIMIT, 1, Page.MAX_LIMIT);
    }

    private RunRecord visibleRun(Request q, String id) {
        return Visibility.run(catalog, q.caller(), id);
    }

    private JsonNode run(Request q) {
        RunRecord r = visibleRun(q, q.path("id"));
        return Views.runDetail(r, catalog.rounds(r.id()), catalog.modelsForRun(r.id()));
    }

    /** The stored report of a run the caller may see; a run without one yet answers as absent. */
    private JsonNode storedReport(Request q) {
        RunRecord r = visibleRun(q, q.path("id"));
        return catalog.runReport(r.id()).orElseThrow(() -> new ApiException(Problem.notFound("run " + r.id() + " has no report yet ("
                + r.status() + "): a run's report is kept when it ends")));
    }

    private JsonNode report(Request q) {
        return storedReport(q);
    }

    private JsonNode reportHtml(Request q) {
        return com.fasterxml.jackson.databind.node.TextNode.valueOf(io.meshfl.core.report.HtmlReport.render(storedReport(q)));
    }

    private JsonNode models(Request q) {
        var page = Visibility.models(catalog, q.caller(), offset(q), limit(q));
        return Page.counted(page.items(), page.total(), q, Views::model);
    }

    private JsonNode model(Request q) {
        String id = q.path("id");
        var m = catalog.model(id).orElse(null);
        if (m == null) throw new ApiException(Problem.notFound("no model '" + id + "' the caller may see"));
        visibleRun(q, m.runId());
        return Views.model(m);
    }

    private JsonNode card(Request q) {
        String id = q.path("id");
        var m = catalog.model(id).orElse(null);
        if (m == null) throw new ApiException(Problem.notFound("no model '" + id + "' the caller may see"));
        visibleRun(q, m.runId());
        if (new io.meshfl.core.catalog.ModelRegistry(catalog).entry(id).isEmpty()) {
            throw new ApiException(Problem.notFound("model '" + id + "' is not in the registry"));
        }
        return io.meshfl.core.catalog.ModelCards.card(catalog, id);
    }

    private JsonNode plan(Request q) {
        io.meshfl.core.plan.JobSpec job = Planning.parse(q.body());
        io.meshfl.core.plan.Plan plan = Planning.plan(backend, q.caller(), job);
        var o = Json.MAPPER.createObjectNode().put("name", job.name()).put("strategy", plan.strategy())
                .put("spec_sha256", io.meshfl.core.trust.HashChain.sha256Hex(q.body())).put("explain", plan.explain());
        var products = o.putArray("products");
        for (io.meshfl.core.plan.Plan.Participant p : plan.participants()) {
            products.addObject().put("id", p.productId()).put("version", p.version()).put("domain", p.domain()).put("role", p.role());
        }
        o.set("warnings", Json.MAPPER.valueToTree(plan.warnings()));
        return o;
    }

    private JsonNode audit(Request q) {
        Caller c = q.caller();
        var f = c.auditFilter(q.param("run"), q.param("party"), q.param("step"), q.param("protection"));
        int offset = q.intParam("offset", 0, 0, Integer.MAX_VALUE);
        int limit = q.intParam("limit", Page.DEFAULT_LIMIT, 1, Page.MAX_LIMIT);
        var page = catalog.auditPage(f, offset, limit);
        return Page.counted(page.records(), page.total(), q, Views::audit);
    }

    private JsonNode verify(Request q) {
        if (!q.caller().operator()) throw new ApiException(Problem.forbidden("only the operator verifies the catalog's chains"));
        var r = io.meshfl.core.catalog.ChainVerifier.verify(catalog, backend.ca());
        var o = Json.MAPPER.createObjectNode().put("ok", r.ok()).put("audit_records", r.auditRecords()).put("ledger_entries", r.ledgerEntries())
                .put("seals", r.seals()).put("signed_seals", r.signedSeals());
        var findings = o.putArray("findings");
        for (var x : r.findings()) findings.addObject().put("chain", x.chain()).put("seq", x.seq()).put("what", x.what());
        o.set("notes", Json.MAPPER.valueToTree(r.notes()));
        return o;
    }

    /** How often a followed run's new rounds are looked for: a round shows within this of its commit. */
    static final long FOLLOW_POLL_MILLIS = 250;

    private void follow(Request q, Route.Emitter emit) throws InterruptedException {
        RunRecord r = visibleRun(q, q.path("id"));
        int sent = 0;
        while (true) {
            var rounds = catalog.rounds(r.id());
            for (int i = sent; i < rounds.size(); i++) {
                if (!emit.send("round", Views.round(rounds.get(i)))) return;
            }
            sent = rounds.size();
            if (!RunRecord.RUNNING.equals(r.status())) {
                emit.send("ended", Views.run(r));
                return;
            }
            Thread.sleep(FOLLOW_POLL_MILLIS);
            r = catalog.run(r.id()).orElse(r);
        }
    }
}
