package io.meshfl.core.plan;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ApplicabilityTest {

    /** Two horizontal products of the same columns, and a label-free product of other columns of bank's entities. */
    private static Map<String, Planner.ProductView> catalog() {
        Map<String, Planner.ProductView> m = new LinkedHashMap<>();
        m.put("bank.accounts", new Planner.ProductView(Contracts.of("bank.accounts", "bank", "y", false, "a0", "a1"), 1000));
        m.put("north.accounts", new Planner.ProductView(Contracts.of("north.accounts", "north", "y", false, "a0", "a1"), 800));
        m.put("south.accounts", new Planner.ProductView(Contracts.of("south.accounts", "south", null, false, "a0", "a1"), 800));
        m.put("shop.orders", new Planner.ProductView(Contracts.of("shop.orders", "shop", null, false, "b0", "b1", "b2"), 900));
        return m;
    }

    private static MeshflException refused(String products, String extra) {
        JobSpec job = JobLoader.parse("name: j\nproducts: " + products + "\nlabel: y\n" + extra, "j.yaml");
        return assertThrows(MeshflException.class, () -> Planner.plan(job, catalog()));
    }

    private static Plan planned(String products, String extra) {
        return Planner.plan(JobLoader.parse("name: j\nproducts: " + products + "\nlabel: y\n" + extra, "j.yaml"), catalog());
    }

    @Test
    void theLoaderRecordsWhichFieldsTheFileSetInItsOrder() {
        JobSpec job = JobLoader.parse("name: j\nproducts: [a.b]\nlabel: y\nmodel: {type: gbdt, classes: 4}\nboost: {trees: 3}\n"
                + "secureAggregation: {enabled: false, degree: 4}\n", "j.yaml");
        assertEquals(List.of("name", "products", "label", "model.type", "model.classes", "boost.trees"), List.copyOf(job.given()));
    }

    @Test
    void horizontalSettingsOfAJobThatPlansVerticalAreRefusedNamingTheFieldAndTheLayout() {
        // the label is missing from south.accounts: not horizontal, and its horizontal settings would be dropped
        MeshflException e = refused("[north.accounts, south.accounts]", "model: {type: logistic}\nlocal: {epochs: 3}\nrounds: 20\n");
        assertEquals(ErrorCode.JOB_INVALID, e.code());
        assertTrue(e.getMessage().contains("field 'local.epochs' applies to horizontal jobs; this job plans as vertical training"), e.getMessage());
        assertTrue(e.getMessage().contains("north.accounts") && e.getMessage().contains("field 'rounds'"), e.getMessage());
    }

    @Test
    void groupsOutsideVerticalLinearSplitAndBoostedJobsAreRefusedNamingTheLayout() {
        MeshflException e = refused("[bank.accounts, north.accounts]", "model: {type: logistic}\ngroups: {accounts: [bank.accounts, north.accounts]}\n");
        assertTrue(e.getMessage().contains("field 'groups' applies to vertical linear jobs (logistic, softmax, linear, poisson), split networks "
                + "and boosted trees: a party made of several nodes trains no other way yet; this job plans as horizontal training"), e.getMessage());
    }

    @Test
    void aWarmStartIsTakenByHorizontalVerticalLinearAndSplitJobsAndRefusedElsewhere() {
        assertEquals("vertical", planned("[bank.accounts, shop.orders]", "model: {type: logistic}\nwarmStart: m-1\n").strategy());
        assertEquals("split", planned("[bank.accounts, shop.orders]", "model: {type: splitnn}\nwarmStart: m-1\n").strategy());
        assertEquals("horizontal", planned("[bank.accounts, north.accounts]", "model: {type: logistic}\nwarmStart: m-1\n").strategy());
        MeshflException trees = refused("[bank.accounts, shop.orders]", "model: {type: gbdt}\nwarmStart: m-1\n");
        assertTrue(trees.getMessage().contains("field 'warmStart' applies to horizontal models, vertical linear models and split networks; "
                + "this job plans as secureboost training"), trees.getMessage());
        MeshflException softmax = refused("[bank.accounts, shop.orders]", "model: {type: softmax, classes: 3}\nwarmStart: m-1\n");
        assertTrue(softmax.getMessage().contains("field 'warmStart' does not apply to multinomial logistic regression"), softmax.getMessage());
        Map<String, Planner.ProductView> withMall = catalog();
        withMall.put("mall.orders", new Planner.ProductView(Contracts.of("mall.orders", "mall", null, false, "b0", "b1", "b2"), 700));
        JobSpec grouped = JobLoader.parse("name: j\nproducts: [bank.accounts, shop.orders, mall.orders]\nlabel: y\nmodel: {type: logistic}\n"
                + "groups: {orders: [shop.orders, mall.orders]}\nwarmStart: m-1\n", "j.yaml");
        MeshflException groups = assertThrows(MeshflException.class, () -> Planner.plan(grouped, withMall));
        assertTrue(groups.getMessage().contains("field 'warmStart' does not apply to a job with parties made of several products"), groups.getMessage());
        MeshflException blank = assertThrows(MeshflException.class, () -> JobLoader.parse("name: j\nproducts: [a.b]\nlabel: y\n"
                + "model: {type: logistic}\nwarmStart: ' m-1'\n", "j.yaml"));
        assertTrue(blank.getMessage().contains("warmStart") && blank.getMessage().contains("model id"), blank.getMessage());
    }

    @Test
    void settingsOfAnotherModelOrAggregatorAreRefused() {
        String both = "[bank.accounts, north.accounts]";
        assertTrue(refused("[bank.accounts, shop.orders]", "model: {type: gbdt, classes: 4}\n").getMessage()
                .contains("field 'model.classes' applies to model types softmax and mlp and to gbdt with objective multiclass; "
                        + "gbdt predicts a binary target"));
        assertEquals("secureboost", planned("[bank.accounts, shop.orders]", "model: {type: gbdt, objective: multiclass, classes: 4}\n")
                .strategy());
        assertTrue(refused("[bank.accounts, shop.orders]", "model: {type: gbdt, objective: regression, classes: 4}\n").getMessage()
                .contains("gbdt predicts a regression target"));
        assertTrue(refused(both, "model: {type: logistic}\naggregator: {name: fedavg, proximalMu: 0.1}\n").getMessage()
                .contains("field 'aggregator.proximalMu' applies to aggregator fedprox, not fedavg"));
        assertTrue(refused("[bank.accounts, shop.orders]", "model: {type: splitnn}\nevaluation: {holdout: 0.3, products: [x.y]}\n").getMessage()
                .contains("evaluation.holdout: a split job is scored on held-out rows or on evaluation entities aligned apart; give "
                        + "evaluation.holdout or evaluation.products, not both"));
        assertTrue(refused("[bank.accounts, shop.orders]", "model: {type: logistic}\nsplit: {epochs: 3}\n").getMessage()
                .contains("field 'split.epochs' applies to split-network jobs"));
        assertTrue(refused("[bank.accounts, shop.orders]", "model: {type: logistic}\nvertical: {optimizer: adam, momentum: 0.9}\n")
                .getMessage().contains("field 'vertical.momentum' applies to vertical.optimizer sgd"));
        assertTrue(refused(both, "model: {type: logistic, l2: 0.1}\n").getMessage().contains("field 'model.l2' is read by no trainer"));
        assertTrue(refused(both, "model: {type: logistic}\nlocal: {optimizer: adam, momentum: 0.5}\n").getMessage()
                .contains("field 'local.momentum' applies to local.optimizer sgd"));
        assertTrue(refused("[bank.accounts, shop.orders]", "model: {type: logistic}\nscaling: none\n").getMessage()
                .contains("scaling none applies to horizontal jobs"));
    }

    @Test
    void aBoostedModelsObjectiveIsReadNamedAndCheckedWhereItApplies() {
        JobSpec multi = JobLoader.parse("name: j\nproducts: [a.b]\nlabel: y\nmodel: {type: gbdt, objective: multiclass, classes: 4}\n", "j.yaml");
        assertEquals(io.meshfl.core.model.ModelSpec.Task.MULTICLASS, multi.model().task());
        assertEquals(4, multi.model().outputs());
        assertEquals(io.meshfl.core.model.ModelSpec.Task.COUNT,
                JobLoader.parse("name: j\nproducts: [a.b]\nlabel: y\nmodel: {type: gbdt, objective: count}\n", "j.yaml").model().task());
        var unknown = assertThrows(MeshflException.class, () -> JobLoader.parse("name: j\nproducts: [a.b]\nlabel: y\n"
                + "model: {type: gbdt, objective: ranking}\n", "j.yaml"));
        assertTrue(unknown.getMessage().contains("model.objective") && unknown.getMessage().contains("binary, multiclass, regression or count"),
                unknown.getMessage());
        var elsewhere = assertThrows(MeshflException.class, () -> JobLoader.parse("name: j\nproducts: [a.b]\nlabel: y\n"
                + "model: {type: logistic, objective: regression}\n", "j.yaml"));
        assertTrue(elsewhere.getMessage().contains("model.objective applies to model types gbdt, splitnn and external"), elsewhere.getMessage());
        var fewClasses = assertThrows(MeshflException.class, () -> JobLoader.parse("name: j\nproducts: [a.b]\nlabel: y\n"
                + "model: {type: gbdt, objective: multiclass, classes: 1}\n", "j.yaml"));
        assertTrue(fewClasses.getMessage().contains("model.classes"), fewClasses.getMessage());
        // selection offers what the objective reports
        var metric = assertThrows(MeshflException.class, () -> JobLoader.parse("name: j\nproducts: [a.b]\nlabel: y\n"
                + "model: {type: gbdt, objective: regression}\nselection: {metric: auc}\n", "j.yaml"));
        assertTrue(metric.getMessage().contains("[rmse, r2, loss]"), metric.getMessage());
    }

    @Test
    void selectionNeedsAMetricTheModelReportsAndHeldOutRowsInAVerticalJob() {
        var metric = assertThrows(MeshflException.class, () -> JobLoader.parse("name: j\nproducts: [a.b]\nlabel: y\nmodel: {type: linear}\n"
                + "selection: {metric: auc}\n", "j.yaml"));
        assertTrue(metric.getMessage().contains("field 'selection.metric': a linear model is evaluated by [rmse, r2, loss], not 'auc'"),
                metric.getMessage());
        assertTrue(refused("[bank.accounts, shop.orders]", "model: {type: logistic}\nselection: {metric: auc}\n").getMessage()
                .contains("field 'selection.metric' of a vertical job needs held-out rows to select on (evaluation.holdout, evaluation.products or "
                        + "evaluation.outOfTime)"));
        assertTrue(refused("[bank.accounts, shop.orders]", "model: {type: splitnn}\nselection: {metric: auc, patience: 3}\n").getMessage()
                .contains("field 'selection.metric' of a split job needs held-out rows to select on (evaluation.holdout"));
        assertEquals("split", planned("[bank.accounts, shop.orders]", "model: {type: splitnn}\nevaluation: {holdout: 0.2}\n"
                + "selection: {metric: log_loss, patience: 3}\n").strategy());
        assertTrue(refused("[bank.accounts, shop.orders]", "model: {type: gbdt}\nselection: {metric: auc}\n").getMessage()
                .contains("field 'selection.metric' of a secureboost job needs held-out rows"));
        assertEquals("vertical", planned("[bank.accounts, shop.orders]", "model: {type: logistic}\nevaluation: {holdout: 0.2}\n"
                + "selection: {metric: loss, patience: 3}\n").strategy());
        assertEquals("horizontal", planned("[bank.accounts, north.accounts]", "model: {type: logistic}\nselection: {metric: auc, patience: 3}\n")
                .strategy());
    }

    @Test
    void settingsThatApplyAreAccepted() {
        assertEquals("horizontal", planned("[bank.accounts, north.accounts]", "model: {type: softmax, classes: 3}\n"
                + "aggregator: {name: fedprox, proximalMu: 0.1}\nlocal: {optimizer: sgd, momentum: 0.9}\nrounds: 4\nscaling: none\n"
                + "evaluation: {holdout: 0.25}\n").strategy());
        assertEquals("secureboost", planned("[bank.accounts, shop.orders]", "model: {type: gbdt}\nboost: {trees: 3}\nscaling: standard\n"
                + "seed: 3\nroundTimeoutSeconds: 30\n").strategy());
        assertEquals("vertical", planned("[bank.accounts, shop.orders]", "model: {type: logistic}\nvertical: {momentum: 0.9}\n").strategy());
        assertEquals("horizontal", planned("[bank.accounts, north.accounts]", "model: {type: logistic}\nsecureAggregation: {enabled: false}\n")
                .strategy());
    }
}
