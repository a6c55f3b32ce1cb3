package io.meshfl.core.protocol.split;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.data.Dataset;
import io.meshfl.core.model.nn.Columns;
import io.meshfl.core.model.nn.Network;

import java.security.SecureRandom;
import java.util.SplittableRandom;

/**
 * A party's bottom network over its encoded aligned rows, and the protection of what leaves it.
 * When a noise level is set, every cut-layer row sent is first scaled to an L2 norm of at most 1
 * and then gets fresh Gaussian noise: without the bound the network would learn to scale its
 * outputs up until the noise no longer mattered, so a noise level would promise nothing. The
 * noise generator is seeded from a secure source, so the coordinator cannot replay it.
 */
final class Bottom {

    final String domain;
    final Dataset data;
    final Network net;
    final double[] params;
    final double noiseSd;
    private final Network predictNet;
    private final int cut;
    private final SplittableRandom noise;
    private double actSq;
    private long actCount;
    /** The last training batch's unclipped outputs and their row norms, for backward through the bound. */
    private double[] lastRaw;
    private double[] lastNorm;

    Bottom(String domain, Dataset data, Network net, double[] params, double noiseSd) {
        this.domain = domain;
        this.data = data;
        this.net = net;
        this.params = params;
        this.noiseSd = noiseSd;
        this.predictNet = net.forPrediction();
        this.cut = net.outputs();
        this.noise = noiseSd > 0 ? new SplittableRandom(new SecureRandom().nextLong()) : null;
    }

    int cutWidth() {
        return cut;
    }

    /** Training-mode cut activations of {@code rows}, with noise; the network keeps what backward needs. */
    double[] forward(int[] rows) {
        double[] a = net.forward(params, Columns.gather(data, rows), rows.length);
        if (noise != null) {
            lastRaw = a;
            lastNorm = new double[rows.length];
            a = bound(a, lastNorm);
        }
        for (double v : a) actSq += v * v;
        actCount += a.length;
        return protect(a);
    }

    /**
     * The gradient w.r.t. the network's output from the gradient w.r.t. what was sent: through the
     * row-norm bound of the last training batch when noise is on, unchanged otherwise.
     */
    double[] backThroughBound(double[] grad) {
        if (noise == null) return grad;
        double[] g = grad.clone();
        for (int i = 0; i < lastNorm.length; i++) {
            double norm = lastNorm[i];
            if (norm <= 1) continue;
            // d(a/|a|)/da = (I - a a^T / |a|^2) / |a|
            double dot = 0;
            for (int j = 0; j < cut; j++) dot += lastRaw[i * cut + j] * grad[i * cut + j];
            for (int j = 0; j < cut; j++) {
                g[i * cut + j] = (grad[i * cut + j] - dot * lastRaw[i * cut + j] / (norm * norm)) / norm;
            }
        }
        return g;
    }

    /** {@code a} with every row of L2 norm above 1 scaled to norm 1; the row norms go to {@code norms}. */
    private double[] bound(double[] a, double[] norms) {
        double[] out = a.clone();
        int rows = a.length / cut;
        for (int i = 0; i < rows; i++) {
            double sq = 0;
            for (int j = 0; j < cut; j++) sq += a[i * cut + j] * a[i * cut + j];
            double norm = Math.sqrt(sq);
            if (norms != null) norms[i] = norm;
            if (norm > 1) for (int j = 0; j < cut; j++) out[i * cut + j] = a[i * cut + j] / norm;
        }
        return out;
    }

    /** Prediction-mode cut activations of aligned rows {@code [from, to)}, with noise. */
    double[] predict(int from, int to) {
        if (from < 0 || to > data.rows() || from >= to) {
            throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "row range [" + from + ", " + to + ") is outside the "
                    + data.rows() + " aligned rows of " + domain);
        }
        int[] idx = new int[to - from];
        for (int i = 0; i < idx.length; i++) idx[i] = from + i;
        double[] a = predictNet.forward(params, Columns.gather(data, idx), idx.length);
        return protect(noise == null ? a : bound(a, null));
    }

    /** Mean squared clean activation since the last call, then resets it. */
    double takeMeanSquare() {
        double m = actCount == 0 ? 0.0 : actSq / actCount;
        actSq = 0;
        actCount = 0;
        return m;
    }

    private double[] protect(double[] a) {
        if (noise == null) return a;
        // a is the bounded copy, never the network's own output (a tanh layer keeps that for backward).
        for (int i = 0; i < a.length; i++) a[i] += noiseSd * noise.nextGaussian();
        return a;
    }

    /** Refuses a gradient or activation block that is not {@code rows x width} finite values. */
    static void checkBlock(String what, String domain, double[] m, int rows, int width) {
        if (m.length != (long) rows * width) {
            throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, what + " of " + domain + ": expected " + rows + " x " + width
                    + " = " + (long) rows * width + " values, got " + m.length);
        }
        for (int i = 0; i < m.length; i++) {
            if (!Double.isFinite(m[i])) {
                throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, what + " of " + domain + ": value " + m[i] + " at row "
                        + i / width + ", column " + i % width + " is not finite");
            }
        }
    }
}
