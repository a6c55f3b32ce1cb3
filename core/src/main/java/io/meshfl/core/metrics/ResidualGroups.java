package io.meshfl.core.metrics;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * Residuals against the prediction of a regression or count model, as groups of rows by
 * prediction, each of at least {@link Diagnostics#MIN_GROUP} rows: what a horizontal node sends of
 * its held-out rows (no group tells one row's label), and what the coordinator merges over the
 * nodes into the report's residual plot.
 *
 * @param rows     each group's row count
 * @param sumPred  each group's sum of predictions
 * @param sumRes   each group's sum of residuals (label minus prediction)
 * @param sumRes2  each group's sum of squared residuals
 */
public record ResidualGroups(double[] rows, double[] sumPred, double[] sumRes, double[] sumRes2) {

    public ResidualGroups {
        if (sumPred.length != rows.length || sumRes.length != rows.length || sumRes2.length != rows.length) {
            throw new IllegalArgumentException("residual groups: " + rows.length + " counts, " + sumPred.length + " prediction sums, "
                    + sumRes.length + " residual sums, " + sumRes2.length + " squared residual sums");
        }
    }

    /** The groups of {@code pred} against {@code y}: equal-count groups by prediction, none when fewer rows than a group needs. */
    public static ResidualGroups of(double[] pred, double[] y) {
        if (y.length < Diagnostics.MIN_GROUP) return new ResidualGroups(new double[0], new double[0], new double[0], new double[0]);
        Integer[] order = new Integer[y.length];
        for (int i = 0; i < order.length; i++) order[i] = i;
        Arrays.sort(order, Comparator.comparingDouble(i -> pred[i]));
        int[][] bins = Diagnostics.bins(y.length);
        double[] n = new double[bins.length], p = new double[bins.length], r = new double[bins.length], r2 = new double[bins.length];
        for (int b = 0; b < bins.length; b++) {
            for (int k = bins[b][0]; k < bins[b][1]; k++) {
                int i = order[k];
                double e = y[i] - pred[i];
                n[b]++;
                p[b] += pred[i];
                r[b] += e;
                r2[b] += e * e;
            }
        }
        return new ResidualGroups(n, p, r, r2);
    }

    /** Both sets of groups together (a node's and another's). */
    public ResidualGroups merge(ResidualGroups o) {
        return new ResidualGroups(concat(rows, o.rows), concat(sumPred, o.sumPred), concat(sumRes, o.sumRes), concat(sumRes2, o.sumRes2));
    }

    /**
     * The report's residual plot: the groups in order of their mean prediction, adjacent ones
     * pooled until each point holds an equal share of the rows (at most {@link Diagnostics#BINS}).
     */
    public ObjectNode diagnostics(ObjectNode d) {
        long total = 0;
        for (double v : rows) total += (long) v;
        d.put("rows", total);
        if (rows.length == 0) return d;
        Integer[] order = new Integer[rows.length];
        for (int i = 0; i < order.length; i++) order[i] = i;
        Arrays.sort(order, Comparator.comparingDouble(i -> sumPred[i] / rows[i]));
        double share = Math.max(Diagnostics.MIN_GROUP, (double) total / Diagnostics.BINS);
        ArrayNode res = d.putArray("residuals");
        double n = 0, p = 0, r = 0, r2 = 0;
        for (int k = 0; k < order.length; k++) {
            int i = order[k];
            n += rows[i];
            p += sumPred[i];
            r += sumRes[i];
            r2 += sumRes2[i];
            if (n >= share || k == order.length - 1) {
                double mean = r / n;
                res.addObject().put("mean_predicted", p / n).put("mean_residual", mean)
                        .put("sd_residual", Math.sqrt(Math.max(0, r2 / n - mean * mean))).put("rows", (long) n);
                n = p = r = r2 = 0;
            }
        }
        return d;
    }

    /** Flat, for a message: counts, then prediction sums, residual sums and squared residual sums. */
    public double[] toArray() {
        List<Double> out = new ArrayList<>();
        for (double[] a : new double[][]{rows, sumPred, sumRes, sumRes2}) for (double v : a) out.add(v);
        return out.stream().mapToDouble(Double::doubleValue).toArray();
    }

    public static ResidualGroups fromArray(double[] a) {
        if (a.length % 4 != 0) throw new IllegalArgumentException("residual groups: " + a.length + " values are not four arrays of one length");
        int g = a.length / 4;
        return new ResidualGroups(Arrays.copyOfRange(a, 0, g), Arrays.copyOfRange(a, g, 2 * g), Arrays.copyOfRange(a, 2 * g, 3 * g),
                Arrays.copyOfRange(a, 3 * g, 4 * g));
    }

    private static double[] concat(double[] a, double[] b) {
        double[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
