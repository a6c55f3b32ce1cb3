package io.meshfl.web;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.catalog.Catalog;
import io.meshfl.core.catalog.IntegrationRecord;
import io.meshfl.core.catalog.IntegrationStore;
import io.meshfl.core.catalog.JobRecord;
import io.meshfl.core.catalog.PrivacyLedger;
import io.meshfl.core.catalog.ProductRecord;
import io.meshfl.core.catalog.RunRecord;
import io.meshfl.core.contract.DataContract;
import io.meshfl.core.integration.Integration;
import io.meshfl.core.integration.IntegrationLoader;
import io.meshfl.core.integration.Relationship;

import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * What the mesh's rules did, as one caller may see it: each readable product's privacy budget
 * with what runs charged it, the runs stopped by a policy violation or a refused plan, the jobs
 * refused before they ran, and the integrations that join products. The API answers these as JSON
 * and the console draws them; both from here, so they cannot disagree.
 */
public final class Governance {

    /** The errors that say a run was stopped by the rules rather than by a fault: a node's policy, or the coordinator's plan check. */
    public static final List<ErrorCode> VIOLATIONS = List.of(ErrorCode.POLICY_VIOLATION, ErrorCode.PLAN_REFUSED);

    /** One charge against a budget; {@code runId} null when the run is not the caller's to see (it still counts). */
    public record Charge(String runId, double epsilon, double delta, String status) {
    }

    /** A product's budget: its ε total (null when the contract sets none), ε spent, and the charges. */
    public record Budget(String productId, String domain, Double total, double spent, List<Charge> charges) {
        public Double left() {
            return total == null ? null : Math.max(0, total - spent);
        }
    }

    /** A run the rules stopped, with the code its error carries. */
    public record Violation(RunRecord run, ErrorCode code) {
    }

    /** A registered integration: the products it joins and how ({@code loads} false when it no longer loads against the contracts). */
    public record IntegrationView(IntegrationRecord record, boolean loads, String base, List<String> joins, List<String> products) {
    }

    private final Catalog catalog;
    private final Caller caller;

    public Governance(Catalog catalog, Caller caller) {
        this.catalog = catalog;
        this.caller = caller;
    }

    /** The code of a stored run error ({@code MeshFL-601 POLICY_VIOLATION: ...}) if it is a violation; else null. */
    public static ErrorCode violation(String error) {
        if (error == null) return null;
        for (ErrorCode c : VIOLATIONS) {
            if (error.contains(c.name()) || error.contains("MeshFL-" + c.number())) return c;
        }
        return null;
    }

    public List<Budget> budgets() {
        PrivacyLedger ledger = new PrivacyLedger(catalog);
        Set<String> readable = new HashSet<>();
        for (RunRecord r : Visibility.runs(catalog, caller)) readable.add(r.id());
        List<Budget> out = new ArrayList<>();
        for (ProductRecord p : catalog.products()) {
            DataContract c = StoredContracts.load(p);
            if (!caller.mayRead(p, c)) continue;
            List<Charge> charges = new ArrayList<>();
            // what another caller's run charged counts against the budget, but which run it was is that caller's to see
            for (PrivacyLedger.Charge x : ledger.charges(p.id())) {
                charges.add(new Charge(readable.contains(x.runId()) ? x.runId() : null, x.epsilon(), x.delta(), x.status()));
            }
            out.add(new Budget(p.id(), p.domain(), c == null ? null : c.policy().epsilonBudget(), ledger.spent(p.id()), charges));
        }
        return out;
    }

    /** Runs the caller may read that failed on a policy violation or a refused plan, newest first. */
    public List<Violation> violations() {
        List<Violation> out = new ArrayList<>();
        for (RunRecord r : Visibility.runs(catalog, caller)) {
            ErrorCode code = RunRecord.FAILED.equals(r.status()) ? violation(r.error()) : null;
            if (code != null) out.add(new Violation(r, code));
        }
        return out;
    }

    /** Jobs refused before they ran: to the operator only, as a refused job names products of any domain. */
    public List<JobRecord> refusedJobs() {
        if (!caller.operator()) return List.of();
        return catalog.jobs().stream().filter(j -> JobRecord.REFUSED.equals(j.status())).toList();
    }

    /**
     * The integrations, to the operator and the domains whose products they join; a client sees none, as it sees no
     * domain's structure beyond the products granted to it. One that no longer loads is the operator's alone to see.
     */
    public List<IntegrationView> integrations() {
        if (!caller.operator() && caller.domain() == null) return List.of();
        List<DataContract> contracts = catalog.products().stream().map(StoredContracts::load).filter(Objects::nonNull).toList();
        Map<String, String> domainOf = new HashMap<>();
        for (ProductRecord p : catalog.products()) domainOf.put(p.id(), p.domain());
        List<IntegrationView> out = new ArrayList<>();
        for (IntegrationRecord r : new IntegrationStore(catalog).list()) {
            Integration i;
            try {
                i = IntegrationLoader.parse(r.yaml(), Path.of("catalog:" + r.id() + "@" + r.version()), contracts);
            } catch (MeshflException e) {
                if (caller.operator()) out.add(new IntegrationView(r, false, null, List.of(), List.of()));
                continue;
            }
            boolean involved = caller.operator() || i.products().stream().anyMatch(p -> Objects.equals(domainOf.get(p), caller.domain()));
            if (!involved) continue;
            List<String> joins = new ArrayList<>();
            for (Relationship rel : i.relationships()) joins.add(rel.from() + " -> " + rel.to() + " (" + rel.cardinality().yamlName() + ")");
            out.add(new IntegrationView(r, true, i.base(), joins, new ArrayList<>(i.products())));
        }
        return out;
    }

    static String time(Instant t) {
        return t == null ? null : t.toString();
    }
}
