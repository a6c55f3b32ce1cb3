package io.meshfl.web;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.catalog.Catalog;
import io.meshfl.core.catalog.ProductRecord;
import io.meshfl.core.catalog.RunRecord;
import io.meshfl.core.contract.ContractLoader;
import io.meshfl.core.contract.DataContract;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The read routes of the API over the catalog: who is calling, domains, nodes, products, runs with
 * their rounds, models with their provenance. Each list answers only what the caller may see
 * ({@link Caller}), newest first where records have a time.
 */
final class ApiRoutes {

    private final Catalog catalog;

    ApiRoutes(Catalog catalog) {
        this.catalog = catalog;
    }

    private static final Route.Param ID = Route.Param.path("id", "the record's id");
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
        r.add(new Route("GET", "/api/models", "Models of runs the caller may see, newest first", List.of(), true, "Model", this::models));
        r.add(new Route("GET", "/api/models/{id}", "One model with its provenance", List.of(ID), false, "Model", this::model));
        return r;
    }

    private JsonNode me(Request q) {
        return Json.MAPPER.createObjectNode().put("identity", q.caller().label()).put("operator", q.caller().operator());
    }

    private DataContract contract(ProductRecord p) {
        try {
            return ContractLoader.parse(p.contractYaml(), Path.of(p.id() + ".yaml"), false);
        } catch (MeshflException e) {
            return null;
        }
    }

    private JsonNode products(Request q) {
        List<JsonNode> out = new ArrayList<>();
        for (ProductRecord p : catalog.products()) {
            DataContract c = contract(p);
            if (c != null && q.caller().mayRead(p, c)) out.add(Views.product(p, c));
        }
        return Page.of(out, q, x -> x);
    }

    private JsonNode product(Request q) {
        String id = q.path("id");
        List<ProductRecord> versions = catalog.productVersions(id);
        // one that exists but may not be read answers as one that does not: the API does not confirm a product's existence
        List<JsonNode> out = new ArrayList<>();
        for (ProductRecord p : versions) {
            DataContract c = contract(p);
            if (c != null && q.caller().mayRead(p, c)) out.add(Views.product(p, c));
        }
        if (out.isEmpty()) throw new ApiException(Problem.notFound("no data product '" + id + "' the caller may read"));
        var o = Json.MAPPER.createObjectNode().put("id", id);
        o.set("versions", Json.MAPPER.valueToTree(out));
        return o;
    }

    private java.util.function.Function<String, String> domains() {
        Map<String, String> byId = new HashMap<>();
        for (ProductRecord p : catalog.products()) byId.put(p.id(), p.domain());
        return byId::get;
    }

    private List<RunRecord> visibleRuns(Caller c) {
        var domainOf = domains();
        return catalog.runs().stream().filter(r -> c.mayRead(r, domainOf))
                .sorted(Comparator.comparing(RunRecord::startedAt, Comparator.nullsLast(Comparator.reverseOrder()))).toList();
    }

    private JsonNode runs(Request q) {
        String status = q.param("status");
        return Page.of(visibleRuns(q.caller()).stream().filter(r -> status == null || status.equalsIgnoreCase(r.status())).toList(), q, Views::run);
    }

    private RunRecord visibleRun(Request q, String id) {
        RunRecord r = catalog.run(id).orElse(null);
        if (r == null || !q.caller().mayRead(r, domains())) throw new ApiException(Problem.notFound("no run '" + id + "' the caller may see"));
        return r;
    }

    private JsonNode run(Request q) {
        RunRecord r = visibleRun(q, q.path("id"));
        return Views.runDetail(r, catalog.rounds(r.id()), catalog.modelsForRun(r.id()));
    }

    private JsonNode models(Request q) {
        java.util.Set<String> runs = new java.util.HashSet<>();
        for (RunRecord r : visibleRuns(q.caller())) runs.add(r.id());
        return Page.of(catalog.models().stream().filter(m -> runs.contains(m.runId()))
                .sorted(Comparator.comparing(io.meshfl.core.catalog.ModelRecord::createdAt, Comparator.nullsLast(Comparator.reverseOrder()))).toList(),
                q, Views::model);
    }

    private JsonNode model(Request q) {
        String id = q.path("id");
        var m = catalog.model(id).orElse(null);
        if (m == null) throw new ApiException(Problem.notFound("no model '" + id + "' the caller may see"));
        visibleRun(q, m.runId());
        return Views.model(m);
    }
}
