package io.meshfl.core.metrics;

import io.meshfl.core.model.ModelSpec;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Additive sufficient statistics for evaluation, so nodes can send sums and the coordinator can
 * compute metrics without seeing predictions. {@link #toArray()} of a merge is the element-wise
 * sum of the parts' arrays, so the vector may also be secure-summed.
 *
 * <p>{@code lossSum} is the model's own training loss summed over rows: binary or multi-class
 * cross-entropy (probabilities clamped to {@link Metrics#EPS}), {@code 0.5 * error^2} for
 * regression, {@code mu - y log mu} for counts. The confusion counts use threshold 0.5.
 * R2 is computed from raw sums, which loses precision only when the label variance is tiny
 * relative to its mean squared.
 */
public record EvalSums(ModelSpec.Task task, double n, double lossSum, double correct,
                       double tp, double fp, double fn, double tn,
                       double sumY, double sumY2, double sse, double devianceSum) {

    /** Length of {@link #toArray()}. */
    public static final int WIRE_LENGTH = 11;

    public EvalSums {
        if (task == null) throw new IllegalArgumentException("task is required");
    }

    /** All-zero sums for {@code task}. */
    public static EvalSums empty(ModelSpec.Task task) {
        return new EvalSums(task, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
    }

    /**
     * Sums over one node's rows. {@code predictions} is what {@code Model.predict} writes:
     * {@code outputs} values per row (class probabilities for multi-class, otherwise one value).
     */
    public static EvalSums of(ModelSpec.Task task, double[] predictions, double[] y, int outputs) {
        if (task == null) throw new IllegalArgumentException("task is required");
        int expectOutputs = task == ModelSpec.Task.MULTICLASS ? outputs : 1;
        if (task == ModelSpec.Task.MULTICLASS && outputs < 2) {
            throw new IllegalArgumentException("multi-class evaluation needs >= 2 outputs, got " + outputs);
        }
        if (task != ModelSpec.Task.MULTICLASS && outputs != 1) {
            throw new IllegalArgumentException(task + " evaluation needs 1 output per row, got " + outputs);
        }
        if (predictions.length != (long) y.length * expectOutputs) {
            throw new IllegalArgumentException("got " + predictions.length + " predictions for " + y.length
                    + " rows x " + expectOutputs + " outputs");
        }
        double loss = 0, correct = 0, tp = 0, fp = 0, fn = 0, tn = 0, sy = 0, sy2 = 0, sse = 0, dev = 0;
        for (int i = 0; i < y.length; i++) {
            double yi = y[i];
            sy += yi;
            sy2 += yi * yi;
            switch (task) {
                case BINARY -> {
                    double p = predictions[i];
                    boolean pred = p >= 0.5;
                    boolean pos = Metrics.positive(yi);
                    loss += Metrics.binaryLogLoss(p, yi);
                    if (pred == pos) correct++;
                    if (pred && pos) tp++;
                    else if (pred) fp++;
                    else if (pos) fn++;
                    else tn++;
                    double e = p - yi;
                    sse += e * e;
                }
                case MULTICLASS -> {
                    int label = Metrics.classIndex(yi, i, outputs);
                    int off = i * outputs;
                    loss += -Math.log(Metrics.clamp(predictions[off + label]));
                    if (Metrics.argmax(predictions, off, outputs) == label) correct++;
                }
                case REGRESSION -> {
                    double e = predictions[i] - yi;
                    loss += 0.5 * e * e;
                    sse += e * e;
                }
                case COUNT -> {
                    double mu = Math.max(predictions[i], Metrics.EPS);
                    loss += mu - yi * Math.log(mu);
                    double e = predictions[i] - yi;
                    sse += e * e;
                    dev += Metrics.poissonDeviance(mu, yi);
                }
            }
        }
        return new EvalSums(task, y.length, loss, correct, tp, fp, fn, tn, sy, sy2, sse, dev);
    }

    /** The element-wise sum of this and {@code other}, which must be for the same task. */
    public EvalSums merge(EvalSums other) {
        if (other.task != task) throw new IllegalArgumentException("cannot merge " + other.task + " sums into " + task + " sums");
        double[] a = toArray();
        double[] b = other.toArray();
        for (int i = 0; i < a.length; i++) a[i] += b[i];
        return fromArray(task, a);
    }

    /**
     * The metrics that apply to the task, in a stable order: BINARY {@code loss, accuracy, f1};
     * MULTICLASS {@code loss, accuracy}; REGRESSION {@code loss, rmse, r2}; COUNT {@code loss,
     * rmse, r2, poisson_deviance}. Losses and deviance are means per row. Empty when {@code n == 0}.
     */
    public Map<String, Double> toMap() {
        Map<String, Double> m = new LinkedHashMap<>();
        if (n <= 0) return m;
        m.put("loss", lossSum / n);
        switch (task) {
            case BINARY -> {
                m.put("accuracy", correct / n);
                m.put("f1", tp == 0 ? 0.0 : 2 * tp / (2 * tp + fp + fn));
            }
            case MULTICLASS -> m.put("accuracy", correct / n);
            case REGRESSION -> {
                m.put("rmse", Math.sqrt(sse / n));
                m.put("r2", r2());
            }
            case COUNT -> {
                m.put("rmse", Math.sqrt(sse / n));
                m.put("r2", r2());
                m.put("poisson_deviance", devianceSum / n);
            }
        }
        return m;
    }

    private double r2() {
        double sst = Math.max(0.0, sumY2 - sumY * sumY / n);
        return Metrics.r2(sse, sst);
    }

    /** The sums (without the task) as a fixed-length vector: n, lossSum, correct, tp, fp, fn, tn, sumY, sumY2, sse, devianceSum. */
    public double[] toArray() {
        return new double[] {n, lossSum, correct, tp, fp, fn, tn, sumY, sumY2, sse, devianceSum};
    }

    /** Rebuilds sums for {@code task} from {@link #toArray()} output. */
    public static EvalSums fromArray(ModelSpec.Task task, double[] a) {
        if (a == null || a.length != WIRE_LENGTH) {
            throw new IllegalArgumentException("evaluation sums need " + WIRE_LENGTH + " values, got "
                    + (a == null ? "null" : a.length));
        }
        for (int i = 0; i < a.length; i++) {
            if (!Double.isFinite(a[i])) throw new IllegalArgumentException("evaluation sum " + i + " is " + a[i]);
        }
        return new EvalSums(task, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10]);
    }
}
