package io.meshfl.core.model.nn;

/**
 * Batch losses as pure functions. Each returns the mean loss over the rows and, when
 * {@code gradOut} is not null, writes into it the gradient of that mean with respect to the
 * network output, which is what {@link Network#backward} takes and what optimizers expect
 * ("already averaged over the batch").
 */
public final class Losses {

    private Losses() {
    }

    /**
     * Binary cross-entropy on logits (one output column), stable for any logit; labels in [0, 1].
     * {@code gradOut[i] = (sigmoid(z_i) - y_i) / rows}.
     */
    public static double bceWithLogits(double[] logits, double[] y, double[] gradOut) {
        int n = y.length;
        check("logits", logits, n);
        if (gradOut != null) check("gradOut", gradOut, n);
        double loss = 0;
        for (int i = 0; i < n; i++) {
            double z = logits[i];
            double t = y[i];
            if (!(t >= 0 && t <= 1)) throw new IllegalArgumentException("label at row " + i + " is " + t + ", expected a value in [0, 1]");
            loss += softplus(z) - t * z;
            if (gradOut != null) gradOut[i] = (sigmoid(z) - t) / n;
        }
        return n == 0 ? 0.0 : loss / n;
    }

    /**
     * Squared error averaged over rows: {@code pred} and {@code y} are {@code rows x k} with
     * {@code rows = y.length / k}; for one output column this is the usual MSE.
     */
    public static double mse(double[] pred, double[] y, int rows, double[] gradOut) {
        check("predictions", pred, y.length);
        if (gradOut != null) check("gradOut", gradOut, y.length);
        if (rows <= 0) return 0.0;
        double loss = 0;
        for (int i = 0; i < y.length; i++) {
            double d = pred[i] - y[i];
            loss += d * d;
            if (gradOut != null) gradOut[i] = 2 * d / rows;
        }
        return loss / rows;
    }

    /** {@link #mse(double[], double[], int, double[])} for one output column. */
    public static double mse(double[] pred, double[] y, double[] gradOut) {
        return mse(pred, y, y.length, gradOut);
    }

    /**
     * Softmax cross-entropy: {@code logits} is {@code rows x classes} with {@code rows = y.length},
     * {@code y} holds class indices in {@code [0, classes)}. {@code gradOut = (softmax - onehot) / rows}.
     */
    public static double softmaxCrossEntropy(double[] logits, double[] y, double[] gradOut) {
        int n = y.length;
        if (n == 0) return 0.0;
        if (logits.length % n != 0 || logits.length == 0) {
            throw new IllegalArgumentException("logits has " + logits.length + " cells, not a multiple of " + n + " rows");
        }
        int k = logits.length / n;
        if (gradOut != null) check("gradOut", gradOut, logits.length);
        double[] p = gradOut != null ? gradOut : new double[k];
        double loss = 0;
        for (int i = 0; i < n; i++) {
            double c = y[i];
            if (!(c >= 0 && c < k && c == Math.rint(c))) {
                throw new IllegalArgumentException("label at row " + i + " is " + c + ", expected a class index in [0, " + k + ")");
            }
            int off = i * k;
            int po = gradOut != null ? off : 0;
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < k; j++) max = Math.max(max, logits[off + j]);
            double sum = 0;
            for (int j = 0; j < k; j++) {
                p[po + j] = Math.exp(logits[off + j] - max);
                sum += p[po + j];
            }
            loss += max + Math.log(sum) - logits[off + (int) c];
            if (gradOut != null) {
                for (int j = 0; j < k; j++) gradOut[off + j] = gradOut[off + j] / sum / n;
                gradOut[off + (int) c] -= 1.0 / n;
            }
        }
        return loss / n;
    }

    /**
     * Poisson negative log-likelihood with a log link (one output column, the log of the mean),
     * without the label's constant: {@code mean(exp(z) - y z)}; {@code gradOut[i] = (exp(z_i) - y_i) / rows}.
     */
    public static double poissonWithLogLink(double[] logits, double[] y, double[] gradOut) {
        int n = y.length;
        check("logits", logits, n);
        if (gradOut != null) check("gradOut", gradOut, n);
        double loss = 0;
        for (int i = 0; i < n; i++) {
            double mu = Math.exp(logits[i]);
            loss += mu - y[i] * logits[i];
            if (gradOut != null) gradOut[i] = (mu - y[i]) / n;
        }
        return n == 0 ? 0.0 : loss / n;
    }

    /** Writes the softmax of {@code s[from .. from + k)} to {@code out[at .. at + k)}, stable for any scores. */
    public static void softmax(double[] s, int from, int k, double[] out, int at) {
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < k; j++) max = Math.max(max, s[from + j]);
        double sum = 0;
        for (int j = 0; j < k; j++) {
            out[at + j] = Math.exp(s[from + j] - max);
            sum += out[at + j];
        }
        for (int j = 0; j < k; j++) out[at + j] /= sum;
    }

    /** Logistic function, without overflow for large negative arguments. */
    public static double sigmoid(double z) {
        if (z >= 0) return 1.0 / (1.0 + Math.exp(-z));
        double e = Math.exp(z);
        return e / (1.0 + e);
    }

    /** {@code log(1 + e^z)}, exact where the naive form overflows. */
    static double softplus(double z) {
        return z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z));
    }

    private static void check(String what, double[] a, int n) {
        if (a.length != n) throw new IllegalArgumentException(what + " has length " + a.length + ", expected " + n);
    }
}
