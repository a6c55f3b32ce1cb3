package io.meshfl.core.plan;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.contract.ContractLoader;
import io.meshfl.core.contract.DataContract;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PrivacyPlanningTest {

    private static DataContract budgeted(String id, String domain, double budget) {
        DataContract c = Contracts.of(id, domain, "y", false, "x0", "x1");
        String yaml = c.rawYaml().replace("  entityKey: id\n", "  entityKey: id\n  epsilonBudget: " + budget + "\n");
        return ContractLoader.parse(yaml, Path.of(id + ".yaml"), false);
    }

    private static Map<String, Planner.ProductView> views(DataContract... cs) {
        Map<String, Planner.ProductView> m = new LinkedHashMap<>();
        for (DataContract c : cs) m.put(c.id(), new Planner.ProductView(c, 100));
        return m;
    }

    private static JobSpec job(String privacy) {
        return JobLoader.parse("""
                name: j
                products: [a.p, b.p]
                label: y
                model: {type: logistic}
                aggregator: {fraction: 0.5}
                rounds: 10
                """ + privacy, "job.yaml");
    }

    @Test
    void explainStatesThePlannedEpsilon() {
        Plan p = Planner.plan(job("privacy: {noiseMultiplier: 1.0}\n"), views(budgeted("a.p", "a", 100), Contracts.of("b.p", "b", "y", false, "x0", "x1")));
        String explain = p.explain();
        assertTrue(explain.contains("privacy: central DP") && explain.contains("planned epsilon") && explain.contains("q=0.5"), explain);
    }

    @Test
    void aProductWithABudgetRefusesJobsWithoutPrivacy() {
        var e = assertThrows(MeshflException.class, () -> Planner.plan(job(""), views(Contracts.of("a.p", "a", "y", false, "x0", "x1"),
                budgeted("b.p", "b", 5))));
        assertEquals(ErrorCode.PLAN_REFUSED, e.code());
        assertTrue(e.getMessage().contains("b.p") && e.getMessage().contains("epsilonBudget 5.000"), e.getMessage());
    }

    @Test
    void aJobWhoseEpsilonExceedsATotalBudgetIsRefusedNamingTheProduct() {
        var e = assertThrows(MeshflException.class, () -> Planner.plan(job("privacy: {noiseMultiplier: 0.5}\n"),
                views(budgeted("a.p", "a", 1.0), budgeted("b.p", "b", 1000))));
        assertTrue(e.getMessage().contains("product a.p has a privacy budget of epsilon 1.000")
                && e.getMessage().contains("requests epsilon"), e.getMessage());
    }
}
