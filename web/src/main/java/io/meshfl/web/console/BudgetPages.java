package io.meshfl.web.console;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshfl.core.catalog.JobRecord;
import io.meshfl.core.catalog.RunRecord;
import io.meshfl.web.Backend;
import io.meshfl.web.Governance;
import io.meshfl.web.Request;
import io.meshfl.web.Route;

import java.util.ArrayList;
import java.util.List;

/**
 * Privacy budgets and what the mesh refused: each readable product's ε budget with what runs charged it, the runs that
 * ended on a policy violation or a refused plan, and (to the operator) the jobs refused before they ran.
 */
final class BudgetPages {

    private final Backend backend;

    BudgetPages(Backend backend) {
        this.backend = backend;
    }

    List<Route> routes() {
        return List.of(MeshPages.page("/console/budgets", "Privacy budgets, policy violations and refused jobs", this::budgets));
    }

    private JsonNode budgets(Request q) {
        Governance g = new Governance(backend.catalog(), q.caller());
        List<List<String>> budgets = new ArrayList<>();
        List<List<String>> charges = new ArrayList<>();
        for (Governance.Budget x : g.budgets()) {
            String id = x.productId();
            budgets.add(List.of(Cells.product(id), Html.esc(x.domain()), x.total() == null ? "none" : Cells.eps(x.total()), Cells.eps(x.spent()),
                    x.total() == null ? "—" : Cells.eps(x.left()),
                    x.total() == null ? "" : Cells.gauge("budget-gauge-" + id, x.spent(), x.total()), Html.esc(x.charges().size())));
            for (Governance.Charge c : x.charges()) {
                String run = c.runId() != null ? Cells.run(c.runId()) : "<span class=\"muted\">a run not shown to you</span>";
                charges.add(List.of(Cells.product(id), run, Cells.eps(c.epsilon()), Html.esc(c.delta()), Html.esc(c.status())));
            }
        }
        StringBuilder b = new StringBuilder();
        b.append("<h2>Budgets</h2>").append(Html.table("budgets-table", List.of("Product", "Domain", "ε total", "ε spent", "ε left", "", "Runs charged"),
                budgets));
        b.append("<h2>Charges per run</h2>").append(Html.table("charges-table", List.of("Product", "Run", "ε", "δ", "Entry"), charges));

        // a run's error is shown where the API shows it: to whoever may read the run
        List<List<String>> violations = new ArrayList<>();
        for (Governance.Violation v : g.violations()) {
            RunRecord r = v.run();
            violations.add(List.of(Cells.run(r.id()), "<span class=\"bad\">" + Html.esc("MeshFL-" + v.code().number() + " " + v.code().name()) + "</span>",
                    Html.esc(r.error()), Cells.join(r.productIds(), ", "), Html.esc(r.submitter() == null ? "—" : r.submitter()),
                    Cells.time(r.endedAt() != null ? r.endedAt() : r.startedAt())));
        }
        b.append("<h2>Violations</h2><p class=\"muted\">Runs that failed on a policy violation or a refused plan.</p>")
                .append(Html.table("violations-table", List.of("Run", "Code", "Error", "Products", "Submitted by", "Ended"), violations));
        if (q.caller().operator()) {
            // to the operator only: a refused job names products, possibly of domains the reader may not see
            List<List<String>> refused = new ArrayList<>();
            for (JobRecord j : g.refusedJobs()) refused.add(List.of(Html.esc(j.id()), Html.esc(j.name()), Cells.time(j.submittedAt())));
            b.append("<h2>Refused jobs</h2>").append(Html.table("refused-jobs-table", List.of("Job", "Name", "Submitted"), refused));
        }
        return Html.page("Budgets & violations", q.caller(), b.toString(), List.of());
    }
}
