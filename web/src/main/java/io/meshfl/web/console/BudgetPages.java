package io.meshfl.web.console;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshfl.core.ErrorCode;
import io.meshfl.core.catalog.JobRecord;
import io.meshfl.core.catalog.PrivacyLedger;
import io.meshfl.core.catalog.RunRecord;
import io.meshfl.web.Backend;
import io.meshfl.web.Request;
import io.meshfl.web.Route;

import java.util.ArrayList;
import java.util.List;

/**
 * Privacy budgets and what the mesh refused: each readable product's ε budget with what runs charged it, the runs that
 * ended on a policy violation or a refused plan, and (to the operator) the jobs refused before they ran.
 */
final class BudgetPages {

    /** The errors that say a run was stopped by the rules rather than by a fault: a node's policy, or the coordinator's plan check. */
    static final List<ErrorCode> VIOLATIONS = List.of(ErrorCode.POLICY_VIOLATION, ErrorCode.PLAN_REFUSED);

    private final Backend backend;

    BudgetPages(Backend backend) {
        this.backend = backend;
    }

    List<Route> routes() {
        return List.of(MeshPages.page("/console/budgets", "Privacy budgets, policy violations and refused jobs", this::budgets));
    }

    /** The code a stored run error carries ({@code MeshFL-601 POLICY_VIOLATION: ...}), if it is a violation; else null. */
    static ErrorCode violation(String error) {
        if (error == null) return null;
        for (ErrorCode c : VIOLATIONS) {
            if (error.contains(c.name()) || error.contains("MeshFL-" + c.number())) return c;
        }
        return null;
    }

    private JsonNode budgets(Request q) {
        Visible v = new Visible(backend.catalog(), q.caller());
        PrivacyLedger ledger = new PrivacyLedger(backend.catalog());
        List<RunRecord> runs = v.runs();
        java.util.Set<String> readable = new java.util.HashSet<>();
        for (RunRecord r : runs) readable.add(r.id());
        List<List<String>> budgets = new ArrayList<>();
        List<List<String>> charges = new ArrayList<>();
        for (Visible.Shown s : v.products()) {
            String id = s.record().id();
            double spent = ledger.spent(id);
            Double total = s.contract() == null ? null : s.contract().policy().epsilonBudget();
            var charged = ledger.charges(id);
            budgets.add(List.of(Cells.product(id), Html.esc(s.record().domain()), total == null ? "none" : Cells.eps(total), Cells.eps(spent),
                    total == null ? "—" : Cells.eps(Math.max(0, total - spent)),
                    total == null ? "" : Cells.gauge("budget-gauge-" + id, spent, total), Html.esc(charged.size())));
            for (PrivacyLedger.Charge c : charged) {
                // what another caller's run charged counts against the budget, but which run it was is that caller's to see
                String run = readable.contains(c.runId()) ? Cells.run(c.runId()) : "<span class=\"muted\">a run not shown to you</span>";
                charges.add(List.of(Cells.product(id), run, Cells.eps(c.epsilon()), Html.esc(c.delta()), Html.esc(c.status())));
            }
        }
        StringBuilder b = new StringBuilder();
        b.append("<h2>Budgets</h2>").append(Html.table("budgets-table", List.of("Product", "Domain", "ε total", "ε spent", "ε left", "", "Runs charged"),
                budgets));
        b.append("<h2>Charges per run</h2>").append(Html.table("charges-table", List.of("Product", "Run", "ε", "δ", "Entry"), charges));

        // a run's error is shown where the API shows it: to whoever may read the run
        List<List<String>> violations = new ArrayList<>();
        for (RunRecord r : runs) {
            ErrorCode code = RunRecord.FAILED.equals(r.status()) ? violation(r.error()) : null;
            if (code == null) continue;
            violations.add(List.of(Cells.run(r.id()), "<span class=\"bad\">" + Html.esc("MeshFL-" + code.number() + " " + code.name()) + "</span>",
                    Html.esc(r.error()), Cells.join(r.productIds(), ", "), Html.esc(r.submitter() == null ? "—" : r.submitter()),
                    Cells.time(r.endedAt() != null ? r.endedAt() : r.startedAt())));
        }
        b.append("<h2>Violations</h2><p class=\"muted\">Runs that failed on a policy violation or a refused plan.</p>")
                .append(Html.table("violations-table", List.of("Run", "Code", "Error", "Products", "Submitted by", "Ended"), violations));
        if (q.caller().operator()) {
            // to the operator only: a refused job names products, possibly of domains the reader may not see
            List<List<String>> refused = new ArrayList<>();
            for (JobRecord j : backend.catalog().jobs()) {
                if (JobRecord.REFUSED.equals(j.status())) refused.add(List.of(Html.esc(j.id()), Html.esc(j.name()), Cells.time(j.submittedAt())));
            }
            b.append("<h2>Refused jobs</h2>").append(Html.table("refused-jobs-table", List.of("Job", "Name", "Submitted"), refused));
        }
        return Html.page("Budgets & violations", q.caller(), b.toString(), List.of());
    }
}
