package io.meshfl.core.protocol.centralized;

import io.meshfl.core.contract.DataContract;
import io.meshfl.core.data.ColumnStats;
import io.meshfl.core.data.Dataset;
import io.meshfl.core.data.ProductReader;
import io.meshfl.core.data.Split;
import io.meshfl.core.data.Standardizer;
import io.meshfl.core.metrics.EvalSums;
import io.meshfl.core.metrics.Metrics;
import io.meshfl.core.model.LocalConfig;
import io.meshfl.core.model.LocalTrainer;
import io.meshfl.core.model.Model;
import io.meshfl.core.model.ModelSpec;
import io.meshfl.core.model.Models;
import io.meshfl.core.model.OptimizerSpec;
import io.meshfl.core.plan.JobSpec;
import io.meshfl.core.plan.Plan;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The reference a federated run is judged against: the same model trained on all rows pooled in
 * one place, with the same split, scaling and number of passes. Only for comparison where the
 * caller may read every product (demo data, public benchmark data); never a way to run a job.
 */
public final class CentralizedBaseline {

    private CentralizedBaseline() {
    }

    /** The baseline of {@code job} over {@code contracts}, planned here as the coordinator would plan it (row counts unknown). */
    public static Map<String, Double> run(JobSpec job, List<DataContract> contracts) {
        Map<String, DataContract> byId = new LinkedHashMap<>();
        Map<String, io.meshfl.core.plan.Planner.ProductView> views = new LinkedHashMap<>();
        for (DataContract c : contracts) {
            byId.put(c.id(), c);
            views.put(c.id(), new io.meshfl.core.plan.Planner.ProductView(c, -1));
        }
        return run(job, io.meshfl.core.plan.Planner.plan(job, views), byId);
    }

    public static Map<String, Double> run(JobSpec job, Plan plan, Map<String, DataContract> contracts) {
                List<Dataset> train = new ArrayList<>();
        List<Dataset> eval = new ArrayList<>();
        for (Plan.Participant p : plan.participants()) {
            Dataset d = ProductReader.read(contracts.get(p.productId()), plan.features(), plan.label());
            if (plan.evaluation().isEmpty() && job.evaluation().holdout() > 0) {
                Split s = Split.of(d.rows(), job.evaluation().holdout(), job.seed());
                train.add(d.select(s.train()));
                eval.add(d.select(s.holdout()));
            } else {
                train.add(d);
            }
        }
        for (Plan.Participant p : plan.evaluation()) {
            eval.add(ProductReader.read(contracts.get(p.productId()), plan.features(), plan.label()));
        }
        Dataset all = concat(train);
        Dataset test = eval.isEmpty() ? all : concat(eval);
        if (job.standardize()) {
            Standardizer z = Standardizer.from(ColumnStats.of(all));
            all = z.apply(all);
            test = z.apply(test);
        }
        Model model = Models.create(plan.model(), plan.features().size());
        double[] params = new double[model.numParams()];
        model.initialize(params, new Random(job.seed()));
        var l = job.local();
        LocalConfig cfg = new LocalConfig(l.epochs() * job.rounds(), l.batchSize(), new OptimizerSpec(l.optimizer(), l.lr(), l.momentum()),
                0.0, l.l2(), job.seed());
        params = LocalTrainer.train(model, params, all, cfg).params();
        double[] pred = new double[test.rows() * model.outputs()];
        model.predict(params, test, pred);
        Map<String, Double> out = new LinkedHashMap<>(EvalSums.of(model.spec().task(), pred, test.y(), model.outputs()).toMap());
        if (model.spec().task() == ModelSpec.Task.BINARY) out.put("auc", Metrics.auc(pred, test.y()));
        return out;
    }

    static Dataset concat(List<Dataset> parts) {
        return Dataset.concat(parts);
    }
}
