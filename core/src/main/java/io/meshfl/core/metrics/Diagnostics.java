package io.meshfl.core.metrics;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.model.ModelSpec;

import java.io.IOException;
import java.util.Arrays;
import java.util.Comparator;

/**
 * What a data scientist reads beside a model's metrics, computed where predictions meet labels:
 * for binary models the confusion matrix at 0.5, the ROC curve and a calibration table; for
 * multiclass models the confusion matrix and per-class precision, recall and F1; for regression
 * and counts the residuals against the prediction. Only aggregates leave the label holder: counts
 * per cell, and curves and tables over groups of at least {@link #MIN_GROUP} rows (never a row).
 */
public final class Diagnostics {

    /** Fewest rows behind a point of a curve or a row of a table, so that none describes one entity. */
    public static final int MIN_GROUP = 5;
    /** Most bins of a calibration or residual table. */
    static final int BINS = 10;
    /** Most points of a ROC curve, its ends included. */
    static final int ROC_POINTS = 41;
    /** Largest diagnostics a label holder may return, in bytes. */
    public static final int MAX_BYTES = 64 * 1024;

    private static final ObjectMapper JSON = new ObjectMapper();

    private Diagnostics() {
    }

    /** The diagnostics of {@code pred} ({@code outputs} per row: class probabilities for multiclass) against {@code y}. */
    public static ObjectNode of(ModelSpec.Task task, double[] pred, double[] y, int outputs) {
        ObjectNode d = JSON.createObjectNode();
        d.put("task", task.name().toLowerCase(java.util.Locale.ROOT));
        d.put("rows", y.length);
        if (y.length < MIN_GROUP) return d;
        switch (task) {
            case BINARY -> binary(d, pred, y);
            case MULTICLASS -> multiclass(d, pred, y, outputs);
            default -> residuals(d, pred, y);
        }
        return d;
    }

    private static void binary(ObjectNode d, double[] p, double[] y) {
        long tp = 0, fp = 0, tn = 0, fn = 0;
        for (int i = 0; i < y.length; i++) {
            boolean yes = p[i] >= 0.5, pos = y[i] > 0.5;
            if (yes && pos) tp++;
            else if (yes) fp++;
            else if (pos) fn++;
            else tn++;
        }
        ObjectNode c = d.putObject("confusion");
        c.put("threshold", 0.5);
        c.put("tn", tn).put("fp", fp).put("fn", fn).put("tp", tp);
        long positives = tp + fn, negatives = tn + fp;
        Integer[] order = byScore(p, true);
        ArrayNode roc = d.putArray("roc");
        roc.addArray().add(0.0).add(0.0);
        if (positives > 0 && negatives > 0) {
            int step = Math.max(MIN_GROUP, (int) Math.ceil(y.length / (double) (ROC_POINTS - 1)));
            long seenPos = 0, seenNeg = 0;
            int sinceLast = 0;
            for (int r = 0; r < order.length; r++) {
                if (y[order[r]] > 0.5) seenPos++;
                else seenNeg++;
                sinceLast++;
                // a point only where the score changes, so tied rows never split across a threshold, and only with a
                // group's worth of rows both since the last point and still to come, so no step tells of fewer rows
                boolean last = r + 1 == order.length;
                boolean boundary = last || p[order[r + 1]] != p[order[r]];
                if (boundary && (last || sinceLast >= step && order.length - r - 1 >= MIN_GROUP)) {
                    roc.addArray().add((double) seenNeg / negatives).add((double) seenPos / positives);
                    sinceLast = 0;
                }
            }
        }
        ArrayNode cal = d.putArray("calibration");
        for (int[] bin : bins(y.length)) {
            double mp = 0, obs = 0;
            for (int r = bin[0]; r < bin[1]; r++) {
                mp += p[order[order.length - 1 - r]];
                obs += y[order[order.length - 1 - r]] > 0.5 ? 1 : 0;
            }
            int n = bin[1] - bin[0];
            cal.addObject().put("mean_predicted", mp / n).put("observed", obs / n).put("rows", n);
        }
    }

    private static void multiclass(ObjectNode d, double[] p, double[] y, int k) {
        confusion(d, confusion(p, y, k));
    }

    /** The confusion counts of class probabilities {@code p} ({@code k} per row) against class labels {@code y}: [true][predicted]. */
    public static long[][] confusion(double[] p, double[] y, int k) {
        long[][] m = new long[k][k];
        for (int i = 0; i < y.length; i++) {
            int best = 0;
            for (int c = 1; c < k; c++) if (p[i * k + c] > p[i * k + best]) best = c;
            int truth = (int) y[i];
            if (truth >= 0 && truth < k) m[truth][best]++;
        }
        return m;
    }

    /**
     * The diagnostics of a multiclass model from its confusion counts alone (summed over the nodes
     * of a horizontal job): the matrix and per-class metrics.
     */
    public static ObjectNode ofConfusion(long[][] m) {
        ObjectNode d = JSON.createObjectNode();
        d.put("task", "multiclass");
        long rows = 0;
        for (long[] r : m) for (long v : r) rows += v;
        d.put("rows", rows);
        if (rows >= MIN_GROUP) confusion(d, m);
        return d;
    }

    private static void confusion(ObjectNode d, long[][] m) {
        int k = m.length;
        ObjectNode c = d.putObject("confusion");
        c.put("classes", k);
        ArrayNode rows = c.putArray("matrix");
        for (long[] row : m) {
            ArrayNode a = rows.addArray();
            for (long v : row) a.add(v);
        }
        ArrayNode per = d.putArray("per_class");
        for (int cl = 0; cl < k; cl++) {
            long tp = m[cl][cl], support = 0, predicted = 0;
            for (int j = 0; j < k; j++) {
                support += m[cl][j];
                predicted += m[j][cl];
            }
            double precision = predicted == 0 ? 0 : (double) tp / predicted, recall = support == 0 ? 0 : (double) tp / support;
            per.addObject().put("class", cl).put("precision", precision).put("recall", recall)
                    .put("f1", precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall)).put("support", support);
        }
    }

    /**
     * The diagnostics of a binary model from a histogram of its scores by label (merged over the
     * nodes of a horizontal job): the confusion matrix at 0.5, the ROC curve and calibration, each
     * point and bin over groups of at least {@link #MIN_GROUP} rows; a bin's scores count at its centre.
     */
    public static ObjectNode ofHistogram(ScoreHistogram h) {
        double[][] a = h.toArrays();
        double[] pos = a[0], neg = a[1];
        int bins = pos.length;
        long positives = h.positives(), negatives = h.negatives(), n = positives + negatives;
        ObjectNode d = JSON.createObjectNode();
        d.put("task", "binary");
        d.put("rows", n);
        if (n < MIN_GROUP) return d;
        long tp = 0, fp = 0;
        for (int b = bins / 2; b < bins; b++) {
            tp += (long) pos[b];
            fp += (long) neg[b];
        }
        ObjectNode c = d.putObject("confusion");
        c.put("threshold", 0.5);
        c.put("tn", negatives - fp).put("fp", fp).put("fn", positives - tp).put("tp", tp);
        ArrayNode roc = d.putArray("roc");
        roc.addArray().add(0.0).add(0.0);
        if (positives > 0 && negatives > 0) {
            long step = Math.max(MIN_GROUP, (long) Math.ceil(n / (double) (ROC_POINTS - 1)));
            long seenPos = 0, seenNeg = 0, since = 0;
            int last = 0;
            while (last < bins && pos[last] + neg[last] == 0) last++;
            for (int b = bins - 1; b >= 0; b--) {
                long rows = (long) (pos[b] + neg[b]);
                if (rows == 0) continue;
                seenPos += (long) pos[b];
                seenNeg += (long) neg[b];
                since += rows;
                boolean end = b == last;
                if (end || since >= step && n - seenPos - seenNeg >= MIN_GROUP) {
                    roc.addArray().add((double) seenNeg / negatives).add((double) seenPos / positives);
                    since = 0;
                }
            }
        }
        ArrayNode cal = d.putArray("calibration");
        long target = Math.max(MIN_GROUP, (long) Math.ceil(n / (double) BINS));
        long rows = 0, obs = 0;
        double sum = 0;
        ObjectNode open = null;
        for (int b = 0; b < bins; b++) {
            long r = (long) (pos[b] + neg[b]);
            if (r == 0) continue;
            rows += r;
            obs += (long) pos[b];
            sum += r * (b + 0.5) / bins;
            if (rows >= target) {
                open = cal.addObject().put("mean_predicted", sum / rows).put("observed", (double) obs / rows).put("rows", rows);
                rows = 0;
                obs = 0;
                sum = 0;
            }
        }
        if (rows > 0 && open != null) {
            // the last rows join the bin before them rather than make a group of fewer than MIN_GROUP
            long all = open.path("rows").asLong() + rows;
            open.put("mean_predicted", (open.path("mean_predicted").asDouble() * open.path("rows").asLong() + sum) / all)
                    .put("observed", (open.path("observed").asDouble() * open.path("rows").asLong() + obs) / all).put("rows", all);
        }
        return d;
    }

    private static void residuals(ObjectNode d, double[] p, double[] y) {
        Integer[] order = byScore(p, false);
        ArrayNode res = d.putArray("residuals");
        for (int[] bin : bins(y.length)) {
            double mp = 0, mr = 0, sq = 0;
            int n = bin[1] - bin[0];
            for (int r = bin[0]; r < bin[1]; r++) {
                int i = order[r];
                mp += p[i];
                mr += y[i] - p[i];
            }
            mr /= n;
            for (int r = bin[0]; r < bin[1]; r++) {
                double e = y[order[r]] - p[order[r]] - mr;
                sq += e * e;
            }
            res.addObject().put("mean_predicted", mp / n).put("mean_residual", mr).put("sd_residual", Math.sqrt(sq / n)).put("rows", n);
        }
    }

    /** Row positions sorted by score (descending or ascending), ties in row order. */
    private static Integer[] byScore(double[] p, boolean descending) {
        Integer[] order = new Integer[p.length];
        for (int i = 0; i < order.length; i++) order[i] = i;
        Comparator<Integer> c = Comparator.comparingDouble(i -> p[i]);
        Arrays.sort(order, descending ? c.reversed() : c);
        return order;
    }

    /** Equal-count bins over {@code n} sorted rows: at most {@link #BINS}, each of at least {@link #MIN_GROUP} rows. */
    static int[][] bins(int n) {
        int count = Math.max(1, Math.min(BINS, n / MIN_GROUP));
        int[][] b = new int[count][];
        for (int i = 0; i < count; i++) b[i] = new int[]{(int) ((long) n * i / count), (int) ((long) n * (i + 1) / count)};
        return b;
    }

    /**
     * Each domain's share of the variance of the model's score {@code u = sum of the domains' parts}
     * over the rows: {@code cov(u_d, u) / var(u)}, summed over the outputs of a multi-output model.
     * The shares add up to 1; a part that works against the others has a negative share. Empty when
     * the score does not vary or fewer than {@link #MIN_GROUP} rows are scored.
     */
    public static ObjectNode contribution(java.util.Map<String, double[]> parts, int rows, int outputs) {
        ObjectNode out = JSON.createObjectNode();
        if (rows < MIN_GROUP || parts.isEmpty()) return out;
        int len = rows * outputs;
        double[] u = new double[len];
        for (double[] part : parts.values()) for (int i = 0; i < len; i++) u[i] += part[i];
        double[] mean = new double[outputs];
        for (int i = 0; i < len; i++) mean[i % outputs] += u[i] / rows;
        double var = 0;
        for (int i = 0; i < len; i++) var += (u[i] - mean[i % outputs]) * (u[i] - mean[i % outputs]);
        if (!(var > 0)) return out;
        for (var e : parts.entrySet()) {
            double[] part = e.getValue();
            double[] pm = new double[outputs];
            for (int i = 0; i < len; i++) pm[i % outputs] += part[i] / rows;
            double cov = 0;
            for (int i = 0; i < len; i++) cov += (part[i] - pm[i % outputs]) * (u[i] - mean[i % outputs]);
            out.put(e.getKey(), cov / var);
        }
        return out;
    }

    /** Encoded for the wire. */
    public static byte[] encode(ObjectNode d) {
        try {
            return JSON.writeValueAsBytes(d);
        } catch (IOException e) {
            throw new MeshflException(ErrorCode.INTERNAL, "diagnostics cannot be written: " + e.getMessage(), e);
        }
    }

    /** Diagnostics as a label holder returned them: a JSON object of bounded size, or an error naming {@code from}. */
    public static JsonNode decode(byte[] bytes, String from) {
        if (bytes.length > MAX_BYTES) {
            throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, from + " returned " + bytes.length + " bytes of diagnostics; at most "
                    + MAX_BYTES + " are taken");
        }
        try {
            JsonNode n = JSON.readTree(bytes);
            if (n == null || !n.isObject()) throw new IOException("not a JSON object");
            return n;
        } catch (IOException e) {
            throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, from + " returned unreadable diagnostics: " + e.getMessage(), e);
        }
    }
}
