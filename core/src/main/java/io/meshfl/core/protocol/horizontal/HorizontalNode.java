package io.meshfl.core.protocol.horizontal;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.data.ColumnStats;
import io.meshfl.core.data.Dataset;
import io.meshfl.core.data.Split;
import io.meshfl.core.data.Standardizer;
import io.meshfl.core.metrics.EvalSums;
import io.meshfl.core.metrics.ScoreHistogram;
import io.meshfl.core.model.LocalConfig;
import io.meshfl.core.model.LocalResult;
import io.meshfl.core.model.LocalTrainer;
import io.meshfl.core.model.Model;
import io.meshfl.core.model.ModelSpec;
import io.meshfl.core.model.ExternalModel;
import io.meshfl.core.model.Models;
import io.meshfl.core.model.TensorSpec;
import io.meshfl.core.model.OptimizerSpec;
import io.meshfl.core.protocol.Message;
import io.meshfl.core.protocol.NodeContext;
import io.meshfl.core.protocol.NodeProtocol;
import io.meshfl.core.protocol.external.ExternalTraining;
import io.meshfl.core.protocol.horizontal.privacy.NodeProtections;
import io.meshfl.core.protocol.horizontal.privacy.PlannedPrivacy;
import io.meshfl.core.protocol.horizontal.secagg.SecAggNode;
import io.meshfl.core.protocol.horizontal.secagg.SecAggSteps;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The node side of horizontal federated learning: loads the node's own rows once per job,
 * trains locally from the global parameters and returns only parameters and aggregate sums.
 */
public final class HorizontalNode implements NodeProtocol {

    private static final String STATE = "horizontal";
    /** Fewest evaluation rows behind any reported score-histogram bin, so no bin gives one row's label. */
    static final int MIN_ROWS_PER_BIN = 5;
    private final SecAggNode secAgg = new SecAggNode();

    /** What a node keeps between the steps of one job. */
    private static final class State {
        Model model;
        Dataset train;
        Dataset holdout;
        List<Dataset> eval = new ArrayList<>();
        /** The job's privacy as this node prepared and charged it; null without DP. */
        PlannedPrivacy privacy;
        int fits;
        /** The trainer beside the node that trains an external model; null for MeshFL's own models. */
        ExternalTraining external;
    }

    @Override
    public String name() {
        return HorizontalSteps.PROTOCOL;
    }

    @Override
    public Message handle(Message req, NodeContext ctx) {
        return switch (req.step()) {
            case HorizontalSteps.PREPARE -> prepare(req, ctx);
            case HorizontalSteps.SCALE -> scale(req, ctx);
            case HorizontalSteps.FIT -> fit(req, ctx);
            case HorizontalSteps.EVALUATE -> evaluate(req, ctx);
            case SecAggSteps.SETUP, SecAggSteps.SHARE_KEYS, SecAggSteps.COLLECT_MASKED, SecAggSteps.UNMASK -> secAgg.handle(req, ctx,
                    (global, r) -> {
                        State s = state(req, ctx);
                        FitMod.LocalUpdate u = train(s, global, r);
                        return new SecAggNode.LocalUpdate(u.params(), s.train.rows(), u.metrics().getOrDefault("loss", Double.NaN));
                    });
            case HorizontalSteps.FINISH -> {
                ctx.endJob(req.jobId());
                yield req.reply(ctx.nodeId(), Map.of(), Map.of());
            }
            default -> req.failure(ctx.nodeId(), ErrorCode.PROTOCOL_FAILURE, "unknown horizontal step '" + req.step() + "'");
        };
    }

    private Message prepare(Message req, NodeContext ctx) {
        List<String> features = splitList(req.cfg("features"));
        String label = req.cfg("label");
        Dataset all = ctx.load(req.cfg("product"), features, label);
        State s = new State();
        s.privacy = PlannedPrivacy.fromConfig(req.config());
        // charged before any training, on the node's own ledger: the coordinator's check is not trusted
        ctx.chargePrivacy(req.cfg("product"), req.runId(), s.privacy == null ? Double.POSITIVE_INFINITY : s.privacy.epsilon());
        ModelSpec.Type type = ModelSpec.Type.valueOf(req.cfg("model_type"));
        ModelSpec spec = type == ModelSpec.Type.EXTERNAL
                ? ModelSpec.external(req.cfg("trainer"), TensorSpec.decode(req.cfg("trainer_parameters")),
                        ModelSpec.Task.valueOf(req.cfg("objective", "BINARY")), Integer.parseInt(req.cfg("classes", "2")))
                : new ModelSpec(type, splitList(req.cfg("hidden", "")).stream().map(Integer::parseInt).toList(),
                        Integer.parseInt(req.cfg("classes", "2")), Double.parseDouble(req.cfg("model_l2", "0")));
        s.model = Models.create(spec, features.size());
        double holdout = Double.parseDouble(req.cfg("holdout", "0"));
        if (holdout > 0) {
            Split split = Split.of(all.rows(), holdout, Long.parseLong(req.cfg("seed", "42")));
            s.train = all.select(split.train());
            s.holdout = all.select(split.holdout());
        } else {
            s.train = all;
        }
        long evalRows = 0;
        for (String p : splitList(req.cfg("eval_products", ""))) {
            Dataset d = ctx.load(p, features, label);
            s.eval.add(d);
            evalRows += d.rows();
        }
        if (s.model instanceof ExternalModel em) s.external = ExternalTraining.open(ctx, em, req.jobId(), label, trainerTimeout(req));
        ctx.jobState(req.jobId()).put(STATE, s);
        ColumnStats stats = ColumnStats.of(s.train);
        Map<String, double[]> t = new LinkedHashMap<>();
        double[] count = new double[stats.count().length];
        for (int i = 0; i < count.length; i++) count[i] = stats.count()[i];
        t.put("count", count);
        t.put("sum", stats.sum());
        t.put("sumsq", stats.sumSq());
        return req.reply(ctx.nodeId(), Map.of("rows_train", (double) s.train.rows(),
                "rows_holdout", (double) (s.holdout == null ? 0 : s.holdout.rows()), "rows_eval", (double) evalRows), t);
    }

    private Message scale(Message req, NodeContext ctx) {
        State s = state(req, ctx);
        Standardizer z = new Standardizer(req.tensor("mean"), req.tensor("std"));
        s.train = z.apply(s.train);
        if (s.holdout != null) s.holdout = z.apply(s.holdout);
        s.eval.replaceAll(z::apply);
        return req.reply(ctx.nodeId(), Map.of(), Map.of());
    }

    private Message fit(Message req, NodeContext ctx) {
        State s = state(req, ctx);
        double[] global = req.tensor("params");
        if (global.length != s.model.numParams()) {
            return req.failure(ctx.nodeId(), ErrorCode.BAD_UPDATE, "global parameters have length " + global.length
                    + ", the model needs " + s.model.numParams());
        }
        FitMod.LocalUpdate u;
        try {
            u = train(s, global, req);
        } catch (MeshflException e) {
            return req.failure(ctx.nodeId(), e.code(), e.getMessage());
        }
        Map<String, Double> metrics = new LinkedHashMap<>(u.metrics());
        metrics.put("num_examples", (double) s.train.rows());
        return req.reply(ctx.nodeId(), metrics, Map.of("params", u.params()));
    }

    /**
     * Local training from {@code global} with the round's settings in {@code req}, through the
     * node's protections (clipping, local noise) when the job is differentially private; for plain
     * and secure rounds alike.
     */
    private static FitMod.LocalUpdate train(State s, double[] global, Message req) {
        if (global.length != s.model.numParams()) {
            throw new MeshflException(ErrorCode.BAD_UPDATE, "global parameters have length " + global.length
                    + ", the model needs " + s.model.numParams());
        }
        LocalConfig cfg = new LocalConfig(Integer.parseInt(req.cfg("epochs")), Integer.parseInt(req.cfg("batch_size")),
                new OptimizerSpec(req.cfg("optimizer"), Double.parseDouble(req.cfg("lr")), Double.parseDouble(req.cfg("momentum", "0"))),
                Double.parseDouble(req.cfg("proximal_mu", "0")), Double.parseDouble(req.cfg("l2", "0")),
                Long.parseLong(req.cfg("seed", "0")));
        if (s.privacy != null && ++s.fits > s.privacy.rounds()) {
            throw new MeshflException(ErrorCode.POLICY_VIOLATION, "job " + req.jobId() + " asked for training round "
                    + s.fits + ", but the privacy plan this node charged covers " + s.privacy.rounds());
        }
        return FitMod.chain(NodeProtections.forRound(s.privacy, req.config(), new java.security.SecureRandom()),
                global, req.config(), () -> {
                    LocalResult r = s.external != null ? s.external.fit(global, s.train, cfg, req.round())
                            : LocalTrainer.train(s.model, global, s.train, cfg);
                    // under DP the training loss would be an un-noised release about the rows; it stays here
                    return new FitMod.LocalUpdate(r.params(), s.privacy == null && !Double.isNaN(r.meanLoss())
                            ? Map.of("loss", r.meanLoss()) : Map.of());
                });
    }

    private Message evaluate(Message req, NodeContext ctx) {
        State s = state(req, ctx);
        double[] params = req.tensor("params");
        if (params.length != s.model.numParams()) {
            return req.failure(ctx.nodeId(), ErrorCode.BAD_UPDATE, "parameters have length " + params.length
                    + ", the model needs " + s.model.numParams());
        }
        List<Dataset> sets = new ArrayList<>();
        if (req.cfg("on", "eval").equals("train")) {
            sets.add(s.train);
        } else if (!s.eval.isEmpty()) {
            sets.addAll(s.eval);
        } else if (s.holdout != null) {
            sets.add(s.holdout);
        }
        ModelSpec.Task task = s.model.spec().task();
        EvalSums sums = null;
        ScoreHistogram hist = task == ModelSpec.Task.BINARY ? new ScoreHistogram() : null;
        int k = s.model.outputs();
        // a multiclass model's confusion counts, [true][predicted], for the report's diagnostics: counts add up over nodes
        double[] confusion = task == ModelSpec.Task.MULTICLASS ? new double[k * k] : null;
        // a regression or count model's residuals by prediction, in groups of several rows, for the report's residual plot
        boolean residuals = task != ModelSpec.Task.BINARY && task != ModelSpec.Task.MULTICLASS;
        io.meshfl.core.metrics.ResidualGroups groups = null;
        long n = 0;
        for (int set = 0; set < sets.size(); set++) {
            Dataset d = sets.get(set);
            double[] pred;
            if (s.external != null) {
                // the trainer scores the rows; the labels stay here, where the metrics are computed
                pred = s.external.predict(d == s.train ? ExternalTraining.TRAIN : "eval:" + set, d, params);
            } else {
                pred = new double[d.rows() * s.model.outputs()];
                s.model.predict(params, d, pred);
            }
            EvalSums part = EvalSums.of(task, pred, d.y(), s.model.outputs());
            sums = sums == null ? part : sums.merge(part);
            if (hist != null) {
                for (int i = 0; i < d.rows(); i++) hist.add(pred[i], d.y()[i]);
            }
            if (residuals) {
                var g = io.meshfl.core.metrics.ResidualGroups.of(pred, d.y());
                groups = groups == null ? g : groups.merge(g);
            }
            if (confusion != null) {
                long[][] m = io.meshfl.core.metrics.Diagnostics.confusion(pred, d.y(), k);
                for (int a = 0; a < k; a++) for (int b = 0; b < k; b++) confusion[a * k + b] += m[a][b];
            }
            n += d.rows();
        }
        Map<String, double[]> t = new LinkedHashMap<>();
        if (sums != null) t.put("sums", sums.toArray());
        if (confusion != null) t.put("confusion", confusion);
        if (groups != null) t.put("residuals", groups.toArray());
        if (hist != null) {
            double[][] h = hist.toSparse(MIN_ROWS_PER_BIN);
            t.put("hist_bin", h[0]);
            t.put("hist_pos", h[1]);
            t.put("hist_neg", h[2]);
        }
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("num_examples", (double) n);
        if (hist != null) m.put("hist_bins", (double) hist.bins());
        return req.reply(ctx.nodeId(), m, t);
    }

    /**
     * How long one call to an external trainer may take: nine tenths of the coordinator's step
     * timeout, so the node's own answer (the trainer's failure) arrives before the coordinator gives up.
     */
    private static java.time.Duration trainerTimeout(Message req) {
        double seconds = Double.parseDouble(req.cfg("step_timeout", "120"));
        return java.time.Duration.ofMillis(Math.max(1, (long) (seconds * 900)));
    }

    private static State state(Message req, NodeContext ctx) {
        Object s = ctx.jobState(req.jobId()).get(STATE);
        if (s == null) {
            throw new MeshflException(ErrorCode.OUT_OF_ORDER, "step '" + req.step() + "' of job " + req.jobId()
                    + " arrived before 'prepare'");
        }
        return (State) s;
    }

    static List<String> splitList(String csv) {
        if (csv == null || csv.isBlank()) return List.of();
        return Arrays.stream(csv.split(",")).map(String::trim).filter(x -> !x.isEmpty()).toList();
    }
}
