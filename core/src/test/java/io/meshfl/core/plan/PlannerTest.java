package io.meshfl.core.plan;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.contract.DataContract;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PlannerTest {

    private static DataContract contract(String id, String domain, String label, String... columns) {
        return Contracts.of(id, domain, label, false, columns);
    }

    private static Map<String, Planner.ProductView> catalog() {
        Map<String, Planner.ProductView> m = new LinkedHashMap<>();
        m.put("bank.accounts", new Planner.ProductView(contract("bank.accounts", "bank", "y", "a0", "a1"), 1000));
        m.put("shop.orders", new Planner.ProductView(contract("shop.orders", "shop", null, "b0", "b1", "b2"), 900));
        return m;
    }

    private static JobSpec job(String extra) {
        return JobLoader.parse("name: j\nproducts: [bank.accounts, shop.orders]\nlabel: y\n" + extra, "j.yaml");
    }

    @Test
    void aPinnedVersionIsHeldToTheContractAtHand() {
        JobSpec pinned = JobLoader.parse("name: j\nproducts: [bank.accounts@1.0.0, shop.orders]\nlabel: y\nmodel: {type: logistic}\n", "j.yaml");
        assertEquals(Map.of("bank.accounts", "1.0.0"), pinned.pins());
        assertEquals(List.of("bank.accounts", "shop.orders"), pinned.products());
        String version = catalog().get("bank.accounts").contract().version();
        assertEquals("1.0.0", version);
        assertEquals("vertical", Planner.plan(pinned, catalog()).strategy());
        JobSpec other = JobLoader.parse("name: j\nproducts: [bank.accounts@7.0.0, shop.orders]\nlabel: y\nmodel: {type: logistic}\n", "j.yaml");
        var e = assertThrows(MeshflException.class, () -> Planner.plan(other, catalog()));
        assertTrue(e.getMessage().contains("bank.accounts@7.0.0 is pinned, but the contract at hand is version " + version), e.getMessage());
        for (String bad : List.of("[bank.accounts@]", "['@1.0.0']", "[a@1@2]", "[a, a@1.0.0]")) {
            var refused = assertThrows(MeshflException.class,
                    () -> JobLoader.parse("name: j\nproducts: " + bad + "\nlabel: y\nmodel: {type: logistic}\n", "j.yaml"), bad);
            assertTrue(refused.getMessage().contains("field 'products'"), refused.getMessage());
        }
    }

    @Test
    void anEvaluationProductMayBePinnedAndIsHeldToItLikeATrainingOne() {
        Map<String, Planner.ProductView> m = new java.util.LinkedHashMap<>(catalog());
        m.put("bank.accounts-test", new Planner.ProductView(contract("bank.accounts-test", "bank", "y", "a0", "a1"), 100));
        String version = m.get("bank.accounts-test").contract().version();
        JobSpec pinned = JobLoader.parse("name: j\nproducts: [bank.accounts, shop.orders]\nlabel: y\nmodel: {type: logistic}\n"
                + "evaluation: {products: [bank.accounts-test@" + version + "]}\n", "j.yaml");
        assertEquals(List.of("bank.accounts-test"), pinned.evaluation().products());
        assertEquals(Map.of("bank.accounts-test", version), pinned.pins());
        assertEquals(version, Planner.plan(pinned, m).evaluation().get(0).version());
        JobSpec other = JobLoader.parse("name: j\nproducts: [bank.accounts, shop.orders]\nlabel: y\nmodel: {type: logistic}\n"
                + "evaluation: {products: [bank.accounts-test@9.9.9]}\n", "j.yaml");
        var e = assertThrows(MeshflException.class, () -> Planner.plan(other, m));
        assertTrue(e.getMessage().contains("evaluation.products: bank.accounts-test@9.9.9 is pinned, but the contract at hand is version " + version),
                e.getMessage());
        for (String bad : List.of("[x@]", "['@1.0.0']", "[x, x@1.0.0]")) {
            var refused = assertThrows(MeshflException.class, () -> JobLoader.parse("name: j\nproducts: [bank.accounts, shop.orders]\nlabel: y\n"
                    + "model: {type: logistic}\nevaluation: {products: " + bad + "}\n", "j.yaml"), bad);
            assertTrue(refused.getMessage().contains("evaluation.products"), refused.getMessage());
        }
    }

    @Test
    void verticalLayoutWithSplitNetworkPlansSplitLearning() {
        Plan p = Planner.plan(job("model: {type: splitnn}\nsplit: {bottomHidden: [4], cutWidth: 2, topHidden: [3]}\n"), catalog());
        assertEquals("split", p.strategy());
        assertEquals("split-label-sharing", p.aggregator());
        assertEquals(List.of("a0", "a1"), p.participants().get(0).features());
        // bottoms (2*4+4 + 5*2) + (3*4+4 + 5*2) and top (4*3+3 + 3+1)
        assertEquals(12 + 10 + 16 + 10 + 15 + 4, p.numParams());
        assertTrue(p.explain().contains("split") && p.explain().contains("cut-layer"), p.explain());
    }

    @Test
    void labelOwnerModeMustNameTheLabelHolder() {
        Plan p = Planner.plan(job("model: {type: splitnn}\nsplit: {labels: bank}\n"), catalog());
        assertEquals("split-label-owner", p.aggregator());
        assertTrue(p.explain().contains("no label crosses") && p.explain().contains("labelEpsilon"), p.explain());
        Plan dp = Planner.plan(job("model: {type: splitnn}\nsplit: {labels: bank, labelEpsilon: 2}\n"), catalog());
        assertTrue(dp.explain().contains("2.0-label-DP"), dp.explain());
        var e = assertThrows(MeshflException.class, () -> Planner.plan(job("model: {type: splitnn}\nsplit: {labels: shop}\n"), catalog()));
        assertEquals(ErrorCode.PLAN_REFUSED, e.code());
        assertTrue(e.getMessage().contains("split.labels") && e.getMessage().contains("bank"), e.getMessage());
    }

    @Test
    void verticalLayoutWithTreesPlansSecureBoost() {
        Plan p = Planner.plan(job("model: {type: gbdt}\nboost: {trees: 5, depth: 2}\n"), catalog());
        assertEquals("secureboost", p.strategy());
        assertEquals(5, p.rounds());
        Plan.Candidate chosen = p.candidates().stream().filter(c -> c.strategy().equals("secureboost")).findFirst().orElseThrow();
        assertTrue(chosen.feasible() && chosen.estBytesPerRound() > 0);
        assertFalse(p.candidates().stream().filter(c -> c.strategy().equals("vertical")).findFirst().orElseThrow().feasible());
    }

    @Test
    void aHorizontalRunIsPricedByItsStartItsRoundsCallsAndTheLargestNodesEpochs() {
        Map<String, Planner.ProductView> m = new LinkedHashMap<>();
        m.put("north.accounts", new Planner.ProductView(contract("north.accounts", "north", "y", "a0", "a1"), 4000));
        m.put("south.accounts", new Planner.ProductView(contract("south.accounts", "south", "y", "a0", "a1"), 1000));
        java.util.function.Function<String, Double> seconds = extra -> candidate(Planner.plan(JobLoader.parse(
                "name: j\nproducts: [north.accounts, south.accounts]\nlabel: y\nmodel: {type: logistic}\n" + extra, "j.yaml"), m),
                "horizontal").estSeconds();
        var o = io.meshfl.core.plan.cost.RunOverheads.class;
        double ten = seconds.apply("rounds: 10\nlocal: {epochs: 1}\n");
        double twenty = seconds.apply("rounds: 20\nlocal: {epochs: 1}\n");
        double perRound = io.meshfl.core.plan.cost.RunOverheads.calls(io.meshfl.core.plan.cost.RunOverheads.HORIZONTAL_CALLS_PER_ROUND)
                + io.meshfl.core.plan.cost.RunOverheads.SGD_SECONDS_PER_ROW_PARAMETER * 4000 * 3;
        assertEquals(io.meshfl.core.plan.cost.RunOverheads.START_SECONDS + io.meshfl.core.plan.cost.RunOverheads.START_SECONDS_PER_ROW * 5000
                + 10 * perRound, ten, 1e-12, o.getSimpleName());
        assertEquals(10 * perRound, twenty - ten, 1e-12, "each round adds its calls and the largest node's epoch");
        assertTrue(seconds.apply("rounds: 10\nlocal: {epochs: 5}\n") > ten, "more local epochs take longer");
    }

    @Test
    void splitAndBoostRoundsArePricedFromTheReferenceMeasurements() {
        Plan split = Planner.plan(job("model: {type: splitnn}\nsplit: {batchSize: 100}\n"), catalog());
        double splitSeconds = candidate(split, "split").estSeconds();
        // Ten batches of calls, the evaluation and checkpoint, and the run's start spread over its epochs, for 1,000 small rows.
        assertTrue(splitSeconds > 12 * io.meshfl.core.plan.cost.RunOverheads.CALL_SECONDS && splitSeconds < 1.0, "split epoch " + splitSeconds);
        Plan owner = Planner.plan(job("model: {type: splitnn}\nsplit: {batchSize: 100, labels: bank}\n"), catalog());
        assertTrue(candidate(owner, "split").estSeconds() > splitSeconds, "a label owner adds a round trip per batch");
        Plan small = Planner.plan(job("model: {type: gbdt}\nboost: {keyBits: 1024}\n"), catalog());
        Plan large = Planner.plan(job("model: {type: gbdt}\nboost: {keyBits: 2048}\n"), catalog());
        double t1024 = candidate(small, "secureboost").estSeconds();
        assertTrue(t1024 > 0);
        // the encrypted work grows with the key size squared; the calls and the start do not
        double ratio = candidate(large, "secureboost").estSeconds() / t1024;
        assertTrue(ratio > 1.5 && ratio < 4.0, "2048 against 1024 bits: " + ratio);
    }

    private static Plan.Candidate candidate(Plan p, String strategy) {
        return p.candidates().stream().filter(c -> c.strategy().equals(strategy)).findFirst().orElseThrow();
    }

    @Test
    void aProductThatAllowsOtherProtocolsOrRequiresAMissingProtectionRefusesThePlanByName() {
        Map<String, Planner.ProductView> m = catalog();
        m.put("shop.orders", new Planner.ProductView(Contracts.withPolicy("shop.orders", "shop", null, false, "protocols: [horizontal, split]",
                "b0", "b1", "b2"), 900));
        var e = assertThrows(MeshflException.class, () -> Planner.plan(job("model: {type: logistic}\n"), m));
        assertEquals(ErrorCode.PLAN_REFUSED, e.code());
        assertTrue(e.getMessage().contains("shop.orders takes part only in [horizontal, split]") && e.getMessage().contains("meshfl.protocols"),
                e.getMessage());
        assertEquals("split", Planner.plan(job("model: {type: splitnn}\n"), m).strategy());
        m.put("shop.orders", new Planner.ProductView(Contracts.withPolicy("shop.orders", "shop", null, false,
                "requires: [differential-privacy]", "b0", "b1", "b2"), 900));
        var dp = assertThrows(MeshflException.class, () -> Planner.plan(job("model: {type: splitnn}\n"), m));
        assertTrue(dp.getMessage().contains("requires differential-privacy") && dp.getMessage().contains("only horizontal"), dp.getMessage());
    }

    @Test
    void forcedStrategyThatDoesNotTrainTheModelIsRefused() {
        var e = assertThrows(MeshflException.class, () -> Planner.plan(job("model: {type: gbdt}\nstrategy: split\n"), catalog()));
        assertTrue(e.getMessage().contains("splitnn"), e.getMessage());
        e = assertThrows(MeshflException.class, () -> Planner.plan(job("model: {type: splitnn}\nstrategy: vertical\n"), catalog()));
        assertTrue(e.getMessage().contains("strategy split"), e.getMessage());
        e = assertThrows(MeshflException.class, () -> Planner.plan(job("model: {type: gbdt}\nstrategy: horizontal\n"), catalog()));
        assertTrue(e.getMessage().contains("horizontally"), e.getMessage());
    }

    @Test
    void categoricalColumnThatNoProductHasIsRefused() {
        Plan ok = Planner.plan(job("model: {type: splitnn}\nsplit: {categorical: [\"shop:b1\", a0]}\n"), catalog());
        assertEquals("split", ok.strategy());
        var e = assertThrows(MeshflException.class,
                () -> Planner.plan(job("model: {type: splitnn}\nsplit: {categorical: [\"bank:b1\"]}\n"), catalog()));
        assertTrue(e.getMessage().contains("split.categorical") && e.getMessage().contains("bank:b1"), e.getMessage());
    }
}
