package io.meshfl.core.model.tree;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.data.Dataset;
import io.meshfl.core.metrics.Metrics;

import java.util.ArrayList;
import java.util.List;

/**
 * Centralized gradient-boosted trees on one table (logistic loss by default, any {@link Objective}): the yardstick for the
 * federated protocol, which must make exactly these splits. Quantile bins are fitted once on the
 * training rows; each tree grows level by level from fixed-point histograms.
 */
public final class GradientBoosting {

    /** The model, the final training scores, and (binary objective) AUC and log loss on the training rows after each tree. */
    public record Result(BoostedModel model, double[] trainScores, double[] aucPerTree, double[] logLossPerTree) {
    }

    private GradientBoosting() {
    }

    public static Result fit(Dataset data, TreeParams p, int trees, int bins) {
        return fit(data, p, trees, bins, Objective.of(io.meshfl.core.model.ModelSpec.Task.BINARY, 1));
    }

    /**
     * Boosts {@code rounds} rounds for {@code objective}: one tree per round, or one per class per
     * round for multiclass, each class's gradients taken at the scores the round started from.
     * AUC and log loss per round are filled for a binary objective only.
     */
    public static Result fit(Dataset data, TreeParams p, int rounds, int bins, Objective objective) {
        if (!data.hasLabel()) throw new MeshflException(ErrorCode.DATA_NO_LABEL, "gradient boosting needs a label");
        io.meshfl.core.model.Labels.check(objective.task(), objective.classes(), data.y(), "label", "row");
        int n = data.rows(), d = data.cols(), k = objective.classes();
        QuantileBins qb = QuantileBins.fit(data.x(), n, d, bins);
        byte[][] bin = qb.binIndex(data.x(), n);
        BinLayout layout = BinLayout.of(qb.binCounts());
        double[] base = objective.base(data.y(), n);
        double[] score = new double[n * k];
        for (int r = 0; r < n; r++) System.arraycopy(base, 0, score, r * k, k);
        long[] gq = new long[n], hq = new long[n];
        double[][] g = new double[k][n], h = new double[k][n];
        List<Tree> out = new ArrayList<>();
        boolean binary = objective.task() == io.meshfl.core.model.ModelSpec.Task.BINARY;
        double[] auc = new double[binary ? rounds : 0], ll = new double[binary ? rounds : 0];
        for (int t = 0; t < rounds; t++) {
            for (int c = 0; c < k; c++) objective.gradients(score, data.y(), c, g[c], h[c]);
            for (int c = 0; c < k; c++) {
                int frac = Gradients.quantize(g[c], h[c], gq, hq);
                Tree tree = grow(bin, layout, qb, gq, hq, n, frac, p);
                for (int r = 0; r < n; r++) {
                    int row = r;
                    score[r * k + c] += tree.value(row, (node, i) -> data.x()[i * d + tree.ref()[node]] <= tree.threshold()[node]);
                }
                out.add(tree);
            }
            if (binary) {
                double[] prob = objective.predict(score);
                auc[t] = Metrics.auc(prob, data.y());
                ll[t] = Metrics.logLoss(prob, data.y());
            }
        }
        return new Result(new BoostedModel(objective, base, out), score, auc, ll);
    }

    /** One tree, level by level: each open node takes its best split or becomes a leaf. */
    static Tree grow(byte[][] bin, BinLayout layout, QuantileBins qb, long[] gq, long[] hq, int n, int frac, TreeParams p) {
        Tree tree = Tree.empty(p.depth());
        int[][] rowsOf = new int[tree.party().length][];
        int[] all = new int[n];
        for (int i = 0; i < n; i++) all[i] = i;
        rowsOf[0] = all;
        for (int node = 0; node < tree.party().length; node++) {
            int[] rows = rowsOf[node];
            if (rows == null) continue;
            long gT = 0, hT = 0;
            for (int r : rows) {
                gT += gq[r];
                hT += hq[r];
            }
            SplitFinder.Split s = null;
            if (Tree.depthOf(node) < p.depth()) {
                Histogram h = Histogram.empty(layout.total());
                Histogram.accumulate(h, layout, 0, rows, bin, gq, hq);
                s = SplitFinder.best(h, layout, gT, hT, frac, p);
            }
            if (s == null) {
                tree.setLeaf(node, SplitFinder.leafWeight(gT, hT, frac, p));
                continue;
            }
            tree.setSplit(node, 0, s.feature(), qb.thresholds()[s.feature()][s.bin()]);
            int[][] lr = partition(rows, bin[s.feature()], s.bin());
            rowsOf[Tree.left(node)] = lr[0];
            rowsOf[Tree.right(node)] = lr[1];
            rowsOf[node] = null;
        }
        return tree;
    }

    /** Rows whose bin is &lt;= {@code cut}, then the others, each in the given order. */
    static int[][] partition(int[] rows, byte[] bin, int cut) {
        int nl = 0;
        for (int r : rows) if ((bin[r] & 0xFF) <= cut) nl++;
        int[] l = new int[nl], rr = new int[rows.length - nl];
        int a = 0, b = 0;
        for (int r : rows) {
            if ((bin[r] & 0xFF) <= cut) l[a++] = r;
            else rr[b++] = r;
        }
        return new int[][]{l, rr};
    }
}
