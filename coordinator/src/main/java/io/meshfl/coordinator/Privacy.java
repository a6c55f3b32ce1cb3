package io.meshfl.coordinator;

import io.meshfl.core.catalog.Catalog;
import io.meshfl.core.catalog.PrivacyLedger;
import io.meshfl.core.catalog.ProductRecord;
import io.meshfl.core.contract.ContractLoader;
import io.meshfl.core.contract.DataContract;
import io.meshfl.core.plan.JobSpec;
import io.meshfl.core.plan.Plan;
import io.meshfl.core.protocol.horizontal.privacy.PlannedPrivacy;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A run's dealings with the catalog's privacy ledger: charge the planned ε against every training
 * product when the run starts (refused if a budget has not that much left), settle to the ε the
 * accountant reported when it ends. A failed run keeps the ε of the rounds it finished plus the
 * one in flight, whose updates may already have left their domains.
 */
final class Privacy {

    private final PlannedPrivacy planned;
    private final List<String> products;
    private final Map<String, Double> budgets;
    private final PrivacyLedger ledger;

    private Privacy(PlannedPrivacy planned, List<String> products, Map<String, Double> budgets, PrivacyLedger ledger) {
        this.planned = planned;
        this.products = products;
        this.budgets = budgets;
        this.ledger = ledger;
    }

    static Privacy of(JobSpec job, Plan plan, Catalog catalog) {
        List<String> products = plan.participants().stream().map(Plan.Participant::productId).toList();
        if (job.privacy() == null) return new Privacy(null, products, Map.of(), null);
        PlannedPrivacy p = job.privacy().plan(job.aggregator().fraction(), job.aggregator().minNodes(), products.size(), job.rounds());
        Map<String, Double> budgets = new HashMap<>();
        for (String id : products) {
            // the budget of the contract version the plan pinned: a later version cannot raise it for this run
            String version = plan.participants().stream().filter(x -> x.productId().equals(id)).findFirst().orElseThrow().version();
            ProductRecord r = catalog.product(id, version).orElseGet(() -> catalog.requireProduct(id));
            DataContract c = ContractLoader.parse(r.contractYaml(), Path.of("catalog:" + id + "@" + r.version()), false);
            if (c.policy().hasEpsilonBudget()) budgets.put(id, c.policy().epsilonBudget());
        }
        return new Privacy(p, products, budgets, new PrivacyLedger(catalog));
    }

    void charge(String runId) {
        if (planned != null) ledger.charge(runId, budgets, products, planned.epsilon(), planned.delta());
    }

    void settle(String runId, Map<String, Double> metrics) {
        if (planned != null) ledger.settle(runId, metrics.getOrDefault("dp_epsilon", planned.epsilon()), false);
    }

    void settleFailed(String runId, int roundsDone) {
        if (planned != null) ledger.settle(runId, planned.epsilonAfter(roundsDone + 1), true);
    }
}
