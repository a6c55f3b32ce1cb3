package io.meshfl.core.protocol.split;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.data.Dataset;
import io.meshfl.core.model.nn.Columns;
import io.meshfl.core.model.nn.Head;
import io.meshfl.core.model.nn.Network;
import io.meshfl.core.plan.JobSpec;
import io.meshfl.core.protocol.NodeContext;

import java.util.Arrays;
import java.util.List;

/**
 * A split network as online serving uses it: a party's bottom over every row of its product and
 * over its row at its means (the typical encoded row, as scoring every row takes it), computed once
 * as batch scoring computes them ({@link SplitInferNode}); and the top network over the parties' cut
 * layers side by side, where the coordinator runs it.
 */
public final class SplitServing {

    private SplitServing() {
    }

    /**
     * A party's cut activations: {@code width} a row, then its row at its means; the drift of its raw
     * rows against its training profile; and, on the label holder of a network external trainers
     * trained, its trainer's top (the parties' cut layers side by side and their row count to logits),
     * else null.
     */
    public record Cuts(String[] keys, int width, double[] rows, double[] mean, java.util.Map<String, Double> drift,
                       java.util.function.BiFunction<double[], Integer, double[]> top) {
    }

    /**
     * The cut activations of every row of {@code product} through this node's bottom of {@code modelId}:
     * MeshFL's own network here, or, for a network external trainers trained, this node's trainer for
     * job {@code jobId} (each call within {@code timeout}), which stays set up for the top.
     */
    public static Cuts bottoms(NodeContext ctx, String modelId, String product, String jobId, java.time.Duration timeout) {
        byte[] stored = ctx.modelPart(modelId);
        if (stored != null && ExternalSplitPart.isExternal(stored)) {
            ExternalSplitPart part = ExternalSplitPart.parse(stored, modelId);
            ColumnEncoding encoding = part.encoding();
            Dataset all = ctx.load(product, encoding.features(), null);
            Dataset encoded = encoding.apply(all);
            ExternalParty party = ExternalParty.forScoring(ctx, part, jobId, encoded.withRow(encoding.typicalRow(encoded)), timeout);
            double[] act = forward(all.rows(), party.cutWidth(), party::predict);
            int n = all.rows(), cut = party.cutWidth();
            return new Cuts(all.keys(), cut, Arrays.copyOf(act, n * cut), Arrays.copyOfRange(act, n * cut, (n + 1) * cut),
                    io.meshfl.core.monitoring.DriftRecords.features(ctx, modelId, all), party.holdsTop() ? party::topPredict : null);
        }
        return bottoms(ctx, modelId, product);
    }

    /** Every row's and the row at the means' outputs ({@code n + 1} rows), in chunks as scoring forwards them. */
    private static double[] forward(int n, int cut, java.util.function.BiFunction<Integer, Integer, double[]> predict) {
        double[] act = new double[(n + 1) * cut];
        for (int from = 0; from <= n; from += SplitRunner.EVAL_CHUNK) {
            int to = Math.min(n + 1, from + SplitRunner.EVAL_CHUNK);
            System.arraycopy(predict.apply(from, to), 0, act, from * cut, (to - from) * cut);
        }
        return act;
    }

    /** The cut activations of every row of {@code product} through this node's own bottom of {@code modelId}. */
    public static Cuts bottoms(NodeContext ctx, String modelId, String product) {
        byte[] stored = ctx.modelPart(modelId);
        if (stored != null && ExternalSplitPart.isExternal(stored)) {
            throw new MeshflException(ErrorCode.PLAN_REFUSED, "split model " + modelId + " was trained by external trainers; its trainer serves it");
        }
        SplitPart part = SplitPart.parse(stored, modelId);
        ColumnEncoding encoding = part.encoding();
        Dataset all = ctx.load(product, encoding.features(), null);
        Dataset encoded = encoding.apply(all);
        Bottom bottom = new Bottom(ctx.domain(), encoded.withRow(encoding.typicalRow(encoded)), part.predictionBottom(), part.params().clone(),
                part.activationNoise());
        int n = all.rows(), cut = bottom.cutWidth();
        double[] act = forward(n, cut, bottom::predict);
        return new Cuts(all.keys(), cut, Arrays.copyOf(act, n * cut), Arrays.copyOfRange(act, n * cut, (n + 1) * cut),
                io.meshfl.core.monitoring.DriftRecords.features(ctx, modelId, all), null);
    }

    /** The parties' cut blocks ({@code n x cut} each, in training order) side by side, as the top takes them. */
    public static double[] sideBySide(List<double[]> cuts, int cut, int n) {
        int[] widths = new int[cuts.size()];
        Arrays.fill(widths, cut);
        for (int p = 0; p < cuts.size(); p++) Bottom.checkBlock("cut activations", "party " + p, cuts.get(p), n, cut);
        return Columns.concat(cuts, widths, n);
    }

    /** Refuses logits of the top holder's trainer that are not {@code n x k} finite values. */
    public static void checkLogits(String holder, double[] z, int n, int k) {
        Bottom.checkBlock("logits of the top", holder, z, n, k);
    }

    /** The network on top of {@code parties} cut layers of the model's settings and head, for prediction. */
    public static Network top(int parties, JobSpec.SplitSettings settings, Head head, double[] params, String modelId) {
        Network top = SplitArchitecture.top(parties, settings, head).forPrediction();
        if (params.length != top.numParams()) {
            throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "split model " + modelId + " has " + params.length
                    + " top parameters, its architecture needs " + top.numParams());
        }
        return top;
    }

    /** The head's predictions of {@code n} rows from each party's cut block ({@code n x cut}, in training order). */
    public static double[] predict(Network top, double[] params, Head head, List<double[]> cuts, int cut, int n) {
        return head.predict(top.forward(params, sideBySide(cuts, cut, n), n));
    }
}
