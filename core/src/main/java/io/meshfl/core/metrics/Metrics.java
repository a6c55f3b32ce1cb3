package io.meshfl.core.metrics;

import java.util.Arrays;

/**
 * Evaluation metrics over whole arrays. A binary label counts as positive when it is above 0.5;
 * a binary prediction is positive when its score is at least 0.5.
 */
public final class Metrics {

    /** Probabilities are clamped to [EPS, 1 - EPS] before taking logs. */
    public static final double EPS = 1e-15;

    private Metrics() {
    }

    /**
     * Area under the ROC curve by ranks (Mann-Whitney U), tied scores counting half; O(n log n).
     * NaN when only one class is present.
     */
    public static double auc(double[] scores, double[] labels) {
        checkSameLength(scores, labels);
        int npos = 0;
        for (double l : labels) if (positive(l)) npos++;
        int nneg = labels.length - npos;
        if (npos == 0 || nneg == 0) return Double.NaN;
        double[] pos = new double[npos];
        double[] neg = new double[nneg];
        int ip = 0, in = 0;
        for (int i = 0; i < scores.length; i++) {
            double s = scores[i];
            if (Double.isNaN(s)) throw new IllegalArgumentException("score at index " + i + " is NaN");
            s += 0.0; // -0.0 + 0.0 == +0.0, so the sort does not split a tie between the two zeros
            if (positive(labels[i])) pos[ip++] = s; else neg[in++] = s;
        }
        Arrays.sort(pos);
        Arrays.sort(neg);
        // Walk both sorted lists: each positive beats every strictly lower negative, half of the equal ones.
        double sum = 0;
        int j = 0;
        int i = 0;
        while (i < npos) {
            double v = pos[i];
            int ties = 0;
            while (i < npos && pos[i] == v) {
                ties++;
                i++;
            }
            while (j < nneg && neg[j] < v) j++;
            int below = j;
            int eq = 0;
            while (j + eq < nneg && neg[j + eq] == v) eq++;
            sum += ties * (below + 0.5 * eq);
        }
        return sum / ((double) npos * nneg);
    }

    /** Binary accuracy: prediction {@code score >= 0.5} against label {@code > 0.5}. */
    public static double accuracy(double[] scores, double[] labels) {
        checkSameLength(scores, labels);
        if (scores.length == 0) return Double.NaN;
        int correct = 0;
        for (int i = 0; i < scores.length; i++) {
            if ((scores[i] >= 0.5) == positive(labels[i])) correct++;
        }
        return (double) correct / scores.length;
    }

    /**
     * Multi-class accuracy: the argmax of each row of {@code probs} (row-major, {@code classes}
     * columns) against the class index in {@code labels}.
     */
    public static double accuracy(double[] probs, double[] labels, int classes) {
        checkMatrix(probs, labels, classes);
        if (labels.length == 0) return Double.NaN;
        int correct = 0;
        for (int r = 0; r < labels.length; r++) {
            if (argmax(probs, r * classes, classes) == labels[r]) correct++;
        }
        return (double) correct / labels.length;
    }

    /** Binary F1 of the positive class at threshold 0.5; 0 when there are no true positives. */
    public static double f1(double[] scores, double[] labels) {
        checkSameLength(scores, labels);
        long tp = 0, fp = 0, fn = 0;
        for (int i = 0; i < scores.length; i++) {
            boolean pred = scores[i] >= 0.5;
            boolean pos = positive(labels[i]);
            if (pred && pos) tp++;
            else if (pred) fp++;
            else if (pos) fn++;
        }
        return f1(tp, fp, fn);
    }

    static double f1(long tp, long fp, long fn) {
        return tp == 0 ? 0.0 : 2.0 * tp / (2.0 * tp + fp + fn);
    }

    /** Mean binary cross-entropy with probabilities clamped to [EPS, 1 - EPS]. */
    public static double logLoss(double[] probs, double[] labels) {
        checkSameLength(probs, labels);
        if (probs.length == 0) return Double.NaN;
        double sum = 0;
        for (int i = 0; i < probs.length; i++) sum += binaryLogLoss(probs[i], labels[i]);
        return sum / probs.length;
    }

    /** Mean multi-class cross-entropy of row-major {@code probs} against class indices, clamped. */
    public static double logLoss(double[] probs, double[] labels, int classes) {
        checkMatrix(probs, labels, classes);
        if (labels.length == 0) return Double.NaN;
        double sum = 0;
        for (int r = 0; r < labels.length; r++) sum += -Math.log(clamp(probs[r * classes + classIndex(labels[r], r, classes)]));
        return sum / labels.length;
    }

    /** Root mean squared error. */
    public static double rmse(double[] predictions, double[] y) {
        checkSameLength(predictions, y);
        if (y.length == 0) return Double.NaN;
        double sse = 0;
        for (int i = 0; i < y.length; i++) {
            double e = predictions[i] - y[i];
            sse += e * e;
        }
        return Math.sqrt(sse / y.length);
    }

    /** Coefficient of determination {@code 1 - SSE/SST}; for constant {@code y}, 1 if the fit is exact else 0. */
    public static double r2(double[] predictions, double[] y) {
        checkSameLength(predictions, y);
        if (y.length == 0) return Double.NaN;
        double mean = 0;
        for (double v : y) mean += v;
        mean /= y.length;
        double sse = 0, sst = 0;
        for (int i = 0; i < y.length; i++) {
            double e = predictions[i] - y[i];
            double c = y[i] - mean;
            sse += e * e;
            sst += c * c;
        }
        return r2(sse, sst);
    }

    static double r2(double sse, double sst) {
        if (sst <= 0) return sse == 0 ? 1.0 : 0.0;
        return 1.0 - sse / sst;
    }

    /** Mean Poisson deviance {@code 2 * (y log(y/mu) - (y - mu))}, the log term being 0 when y = 0. */
    public static double poissonDeviance(double[] mu, double[] y) {
        checkSameLength(mu, y);
        if (y.length == 0) return Double.NaN;
        double sum = 0;
        for (int i = 0; i < y.length; i++) sum += poissonDeviance(mu[i], y[i]);
        return sum / y.length;
    }

    static double poissonDeviance(double mu, double y) {
        double m = Math.max(mu, EPS);
        double logTerm = y > 0 ? y * Math.log(y / m) : 0.0;
        return 2.0 * (logTerm - (y - m));
    }

    static double binaryLogLoss(double p, double label) {
        double q = clamp(p);
        return -(label * Math.log(q) + (1 - label) * Math.log(1 - q));
    }

    static double clamp(double p) {
        return Math.min(Math.max(p, EPS), 1 - EPS);
    }

    static boolean positive(double label) {
        return label > 0.5;
    }

    /** The index of the largest of {@code v[off .. off + k)}, the first on a tie. */
    public static int argmax(double[] v, int off, int k) {
        int best = 0;
        for (int j = 1; j < k; j++) {
            if (v[off + j] > v[off + best]) best = j;
        }
        return best;
    }

    static int classIndex(double label, int row, int classes) {
        int c = (int) label;
        if (c != label || c < 0 || c >= classes) {
            throw new IllegalArgumentException("label at row " + row + " is " + label
                    + ", expected a class index 0.." + (classes - 1));
        }
        return c;
    }

    private static void checkSameLength(double[] a, double[] labels) {
        if (a.length != labels.length) {
            throw new IllegalArgumentException("got " + a.length + " predictions for " + labels.length + " labels");
        }
    }

    private static void checkMatrix(double[] probs, double[] labels, int classes) {
        if (classes < 2) throw new IllegalArgumentException("classes must be >= 2, got " + classes);
        if (probs.length != (long) labels.length * classes) {
            throw new IllegalArgumentException("got " + probs.length + " probabilities for " + labels.length
                    + " labels x " + classes + " classes");
        }
    }

    /** "name value" pairs of {@code metrics} but those in {@code except}, for a progress line: "auc 0.9012, log loss 0.3120". */
    public static String describe(java.util.Map<String, Double> metrics, java.util.Set<String> except) {
        StringBuilder sb = new StringBuilder();
        for (var e : metrics.entrySet()) {
            if (except.contains(e.getKey())) continue;
            if (sb.length() > 0) sb.append(", ");
            sb.append(e.getKey().replace('_', ' ')).append(String.format(java.util.Locale.ROOT, " %.4f", e.getValue()));
        }
        return sb.toString();
    }
}
