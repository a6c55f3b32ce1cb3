package io.meshfl.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.List;

/**
 * The API's routes over what the mesh's rules did ({@link Governance}): privacy budgets, violations,
 * refused jobs and integrations, each as the caller may see it.
 */
final class MeshRoutes {

    private final Backend backend;

    MeshRoutes(Backend backend) {
        this.backend = backend;
    }

    List<Route> routes() {
        return List.of(
                new Route("GET", "/api/budgets", "Each readable product's privacy budget: epsilon total, spent and left, and what each run charged "
                        + "(a run the caller may not see is counted without its id)", List.of(), true, "Budget", this::budgets),
                new Route("GET", "/api/violations", "Runs the caller may see that failed on a policy violation or a refused plan, newest first",
                        List.of(), true, "Violation", this::violations),
                new Route("GET", "/api/jobs/refused", "Jobs refused before they ran (the operator only: a refused job names products of any domain)",
                        List.of(), true, "RefusedJob", this::refused),
                new Route("GET", "/api/integrations", "The integrations that join products, with their joins (the operator, and the domains whose "
                        + "products they join)", List.of(), true, "Integration", this::integrations));
    }

    private Governance governance(Request q) {
        return new Governance(backend.catalog(), q.caller());
    }

    private JsonNode budgets(Request q) {
        return Page.of(governance(q).budgets(), q, b -> {
            ObjectNode o = Json.MAPPER.createObjectNode().put("product", b.productId()).put("domain", b.domain()).put("spent", b.spent());
            if (b.total() != null) o.put("total", b.total()).put("left", b.left());
            else o.putNull("total");
            var charges = o.putArray("charges");
            for (Governance.Charge c : b.charges()) {
                charges.addObject().put("run_id", c.runId()).put("epsilon", c.epsilon()).put("delta", c.delta()).put("status", c.status());
            }
            return o;
        });
    }

    private JsonNode violations(Request q) {
        return Page.of(governance(q).violations(), q, v -> {
            ObjectNode o = Views.run(v.run());
            o.put("code", "MeshFL-" + v.code().number() + " " + v.code().name());
            return o;
        });
    }

    private JsonNode refused(Request q) {
        if (!q.caller().operator()) throw new ApiException(Problem.forbidden("only the operator sees refused jobs"));
        return Page.of(governance(q).refusedJobs(), q, j -> Json.MAPPER.createObjectNode().put("id", j.id()).put("name", j.name())
                .put("submitted_at", Governance.time(j.submittedAt())));
    }

    private JsonNode integrations(Request q) {
        return Page.of(governance(q).integrations(), q, i -> {
            ObjectNode o = Json.MAPPER.createObjectNode().put("id", i.record().id()).put("version", i.record().version())
                    .put("sha256", i.record().sha256()).put("registered_at", Governance.time(i.record().registeredAt())).put("loads", i.loads());
            if (i.loads()) {
                o.put("base", i.base());
                o.set("joins", Json.MAPPER.valueToTree(i.joins()));
                o.set("products", Json.MAPPER.valueToTree(new ArrayList<>(i.products())));
            }
            return o;
        });
    }
}
