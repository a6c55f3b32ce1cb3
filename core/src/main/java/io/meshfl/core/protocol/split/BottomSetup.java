package io.meshfl.core.protocol.split;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.data.Dataset;
import io.meshfl.core.model.OptimizerSpec;
import io.meshfl.core.model.nn.Head;
import io.meshfl.core.model.nn.Network;
import io.meshfl.core.protocol.Message;
import io.meshfl.core.protocol.NodeContext;
import io.meshfl.core.protocol.RunCheckpoint;
import io.meshfl.core.protocol.WarmStart;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A party's bottom network set up from its aligned rows and their encoding: the label holder's
 * labels checked, every numeric value finite, the network built and seeded, its optimizer, label
 * DP's once-randomized labels, and a resumed party's persisted state put back.
 */
final class BottomSetup {

    private BottomSetup() {
    }

    /** The rest of a party's set-up once its encoding is known: its bottom network, optimizer and state; a member's {@code seat}. */
    static Message build(Message req, NodeContext ctx, Dataset rows, ColumnEncoding enc, int[] aligned, int train, RunCheckpoint resumed,
                         SplitGroup.Seat seat, SplitPart warm) {
        String product = req.cfg("product");
        List<String> features = SplitNode.csv(req.cfg("features", ""));
        String label = req.cfg("label", "");
        double[] y = null;
        Head head = SplitNode.head(req);
        if (!label.isEmpty()) {
            y = rows.y();
            io.meshfl.core.model.Labels.check(head.task(), head.outputs(), y, "product " + product + ": label '" + label + "' of a split network", "aligned row");
        }
        checkFinite(rows, enc, product);
        if (req.cfg("model_type", "").equals(io.meshfl.core.model.ModelSpec.Type.EXTERNAL.name())) {
            return external(req, ctx, rows, enc, aligned, train, resumed, seat, y, head);
        }
        Map<String, String> shape = new LinkedHashMap<>();
        for (String k : List.of("bottom_hidden", "cut_width", "activation", "embedding_dim")) shape.put(k, req.cfg(k));
        Network net = SplitArchitecture.bottom(enc, Integer.parseInt(shape.get("embedding_dim")), SplitNode.parseInts(shape.get("bottom_hidden")),
                Integer.parseInt(shape.get("cut_width")), SplitArchitecture.activation(shape.get("activation")));
        double[] params = new double[net.numParams()];
        net.init(params, new Random(Long.parseLong(req.cfg("bottom_seed"))));
        if (warm != null) {
            WarmStart.same(req, ctx, "the bottom network", List.of(warm.bottomHidden(), warm.cutWidth(), warm.activation(), warm.embeddingDim()),
                    List.of(SplitNode.parseInts(shape.get("bottom_hidden")), Integer.parseInt(shape.get("cut_width")), shape.get("activation"),
                            Integer.parseInt(shape.get("embedding_dim"))));
            WarmStart.same(req, ctx, "parameters", warm.params().length, params.length);
            System.arraycopy(warm.params(), 0, params, 0, params.length);
        }
        Bottom bottom = new Bottom(ctx.domain(), enc.apply(rows), net, params, Double.parseDouble(req.cfg("noise", "0")));
        OptimizerSpec opt = req.cfg("optimizer").equals("adam") ? OptimizerSpec.adam(Double.parseDouble(req.cfg("lr")))
                : OptimizerSpec.sgd(Double.parseDouble(req.cfg("lr")), 0.0);
        SplitNode.Party p = new SplitNode.Party(ctx.domain(), enc, bottom, opt.create(), y, req.cfg("share_labels", "false").equals("true"),
                Integer.parseInt(req.cfg("batch_size")), Long.parseLong(req.cfg("batch_seed")), shape);
        double labelEpsilon = Double.parseDouble(req.cfg("label_epsilon", "0"));
        if (labelEpsilon > 0 && head.task() != io.meshfl.core.model.ModelSpec.Task.BINARY) {
            throw new MeshflException(ErrorCode.PLAN_REFUSED, "split.labelEpsilon: randomized response protects binary labels; this job's are "
                    + head.task().name().toLowerCase(java.util.Locale.ROOT));
        }
        p.head = head;
        p.aligned = aligned;
        p.train = train;
        p.seat = seat;
        if (resumed != null) {
            restore(p, resumed);
        } else if (y != null && labelEpsilon > 0) {
            p.trainLabels = SplitNode.randomizedResponse(y, labelEpsilon, new java.security.SecureRandom());
        }
        ctx.jobState(req.jobId()).put(SplitNode.STATE, p);
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("rows", (double) rows.rows());
        m.put("columns", (double) features.size());
        m.put("inputs", (double) net.inputs());
        m.put("constant_columns", (double) enc.constantColumns());
        m.put("params", (double) params.length);
        return req.reply(ctx.nodeId(), m, Map.of());
    }

    /**
     * The part of the split model a setup warm-starts from that this party keeps, checked against this run: a bottom network
     * of MeshFL's own over the same columns with the same categorical ones; null when the run starts afresh.
     */
    static SplitPart warmPart(Message req, NodeContext ctx, List<String> features) {
        byte[] bytes = WarmStart.part(req, ctx);
        if (bytes == null) return null;
        if (req.cfg("model_type", "").equals(io.meshfl.core.model.ModelSpec.Type.EXTERNAL.name())) {
            throw new MeshflException(ErrorCode.PLAN_REFUSED, "warmStart: an external split network starts from its trainer's own state; "
                    + "MeshFL keeps no part of it to start from");
        }
        SplitPart part = SplitPart.parse(bytes, WarmStart.model(req));
        WarmStart.same(req, ctx, "the columns", part.encoding().features(), features);
        List<String> categorical = features.stream().filter(SplitNode.csv(req.cfg("categorical", ""))::contains).toList();
        WarmStart.same(req, ctx, "the categorical columns", part.encoding().categorical(), categorical);
        return part;
    }

    /**
     * A party whose networks its external trainer runs: the trainer gets the encoded rows once (the
     * label holder's labels, once randomized under label DP), sets up its bottom (and the top on the
     * label holder), each checked against the signed job's declaration; a resumed party's networks
     * and optimizers are put back from its part.
     */
    private static Message external(Message req, NodeContext ctx, Dataset rows, ColumnEncoding enc, int[] aligned, int train, RunCheckpoint resumed,
                                    SplitGroup.Seat seat, double[] y, Head head) {
        if (seat != null) {
            throw new MeshflException(ErrorCode.PLAN_REFUSED, "an external split network's bottom is not shared by a group's members; "
                    + ctx.domain() + " was set up as a member of " + req.cfg("group", "a group"));
        }
        boolean shares = req.cfg("share_labels", "false").equals("true");
        if (y != null && shares) {
            throw new MeshflException(ErrorCode.POLICY_VIOLATION, "an external split network's top runs on the label holder, which keeps its "
                    + "labels; " + ctx.domain() + " was asked to share them with the coordinator; refused");
        }
        double labelEpsilon = Double.parseDouble(req.cfg("label_epsilon", "0"));
        if (labelEpsilon > 0 && head.task() != io.meshfl.core.model.ModelSpec.Task.BINARY) {
            throw new MeshflException(ErrorCode.PLAN_REFUSED, "split.labelEpsilon: randomized response protects binary labels; this job's are "
                    + head.task().name().toLowerCase(java.util.Locale.ROOT));
        }
        double[] trainLabels = y;
        if (y != null && resumed != null && resumed.tensors().containsKey("train_labels")) trainLabels = resumed.tensor("train_labels").clone();
        else if (y != null && labelEpsilon > 0) trainLabels = SplitNode.randomizedResponse(y, labelEpsilon, new java.security.SecureRandom());
        io.meshfl.core.model.ModelSpec model = io.meshfl.core.model.ModelSpec.external(req.cfg("trainer"),
                io.meshfl.core.model.TensorSpec.decode(req.cfg("trainer_parameters")), head.task(), Math.max(2, head.outputs()));
        Dataset encoded = enc.apply(rows);
        ExternalParty ext = ExternalParty.open(ctx, model, req.jobId(), ctx.domain(), ctx.domain(), encoded, req.cfg("label", ""), trainLabels,
                head, SplitTensors.of(model.parameters()), Integer.parseInt(req.cfg("cut_width")), Integer.parseInt(req.cfg("parties")),
                req.cfg("optimizer"), Double.parseDouble(req.cfg("lr")), Long.parseLong(req.cfg("bottom_seed")),
                io.meshfl.core.model.nn.SplitReference.topSeed(Long.parseLong(req.cfg("batch_seed"))),
                Double.parseDouble(req.cfg("noise", "0")), java.time.Duration.ofMillis((long) (1000 * Double.parseDouble(req.cfg("step_timeout", "120")))));
        SplitNode.Party p = new SplitNode.Party(ctx.domain(), enc, null, null, y, false, Integer.parseInt(req.cfg("batch_size")),
                Long.parseLong(req.cfg("batch_seed")), Map.of());
        p.external = ext;
        p.trainLabels = trainLabels;
        p.head = head;
        p.aligned = aligned;
        p.train = train;
        if (resumed != null) {
            ext.restore(prefixed(resumed.tensors(), "external."));
            Map<String, double[]> kept = prefixed(resumed.tensors(), "kept.");
            if (!kept.isEmpty()) p.keptState = kept;
            p.t = (int) resumed.number("t", 0);
        }
        ctx.jobState(req.jobId()).put(SplitNode.STATE, p);
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("rows", (double) rows.rows());
        m.put("columns", (double) encoded.cols());
        m.put("inputs", (double) encoded.cols());
        m.put("constant_columns", (double) enc.constantColumns());
        m.put("params", (double) io.meshfl.core.model.TensorSpec.total(ext.bottomTensors));
        return req.reply(ctx.nodeId(), m, Map.of());
    }

    /** The tensors under {@code prefix}, without it. */
    private static Map<String, double[]> prefixed(Map<String, double[]> tensors, String prefix) {
        Map<String, double[]> out = new LinkedHashMap<>();
        tensors.forEach((k, v) -> {
            if (k.startsWith(prefix)) out.put(k.substring(prefix.length()), v);
        });
        return out;
    }

    private static void restore(SplitNode.Party p, RunCheckpoint part) {
        double[] params = part.tensor("params");
        if (params.length != p.bottom.params.length) {
            throw new MeshflException(ErrorCode.OUT_OF_ORDER, "the part of " + p.domain + " persisted for round " + part.round() + " has "
                    + params.length + " parameters; the run's bottom network has " + p.bottom.params.length);
        }
        System.arraycopy(params, 0, p.bottom.params, 0, params.length);
        Map<String, double[]> opt = new LinkedHashMap<>();
        part.tensors().forEach((k, v) -> {
            if (k.startsWith("opt.")) opt.put(k.substring(4), v);
        });
        p.opt.restore(opt);
        if (part.tensors().containsKey("train_labels")) p.trainLabels = part.tensor("train_labels").clone();
        if (part.tensors().containsKey("kept")) p.kept = part.tensor("kept").clone();
        p.t = (int) part.number("t", 0);
    }

    /** Refuses missing or infinite numeric values, which would otherwise surface as a non-finite activation. */
    private static void checkFinite(Dataset rows, ColumnEncoding enc, String product) {
        int d = rows.cols();
        double[] x = rows.x();
        for (int j = 0; j < d; j++) {
            if (enc.categorical().contains(rows.features().get(j))) continue;
            for (int i = 0; i < rows.rows(); i++) {
                if (!Double.isFinite(x[i * d + j])) {
                    throw new MeshflException(ErrorCode.DATA_BAD_VALUE, "product " + product + ": numeric column '" + rows.features().get(j)
                            + "' has the value " + x[i * d + j] + " at aligned row " + (i + 1) + "; a split network needs finite numbers"
                            + " (list the column under split.categorical to treat missing values as a category)");
                }
            }
        }
    }
}
