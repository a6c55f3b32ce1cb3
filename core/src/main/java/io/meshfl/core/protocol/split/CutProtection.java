package io.meshfl.core.protocol.split;

import java.security.SecureRandom;
import java.util.SplittableRandom;

/**
 * The protection of what leaves a party at the cut layer, for MeshFL's own bottoms and external
 * ones alike. When a noise level is set, every cut-layer row sent is first scaled to an L2 norm of
 * at most 1 and then gets fresh Gaussian noise: without the bound the network would learn to scale
 * its outputs up until the noise no longer mattered, so a noise level would promise nothing. The
 * noise generator is seeded from a secure source, so the coordinator cannot replay it.
 */
final class CutProtection {

    private final int cut;
    final double noiseSd;
    private final SplittableRandom noise;
    private double actSq;
    private long actCount;
    /** The last training batch's unbounded outputs and their row norms, for backward through the bound. */
    private double[] lastRaw;
    private double[] lastNorm;

    CutProtection(int cut, double noiseSd) {
        this.cut = cut;
        this.noiseSd = noiseSd;
        this.noise = noiseSd > 0 ? new SplittableRandom(new SecureRandom().nextLong()) : null;
    }

    /** What is sent of a training batch's outputs {@code a}: bounded and noised when noise is on; kept for {@link #backward}. */
    double[] training(double[] a, int rows) {
        if (noise != null) {
            lastRaw = a;
            lastNorm = new double[rows];
            a = bound(a, lastNorm);
        }
        for (double v : a) actSq += v * v;
        actCount += a.length;
        return protect(a);
    }

    /** What is sent of prediction-mode outputs {@code a}. */
    double[] prediction(double[] a, int rows) {
        return protect(noise == null ? a : bound(a, null));
    }

    /**
     * The gradient w.r.t. the network's output from the gradient w.r.t. what was sent: through the
     * row-norm bound of the last training batch when noise is on, unchanged otherwise.
     */
    double[] backward(double[] grad) {
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

    /** Mean squared clean activation since the last call, then resets it. */
    double takeMeanSquare() {
        double m = actCount == 0 ? 0.0 : actSq / actCount;
        actSq = 0;
        actCount = 0;
        return m;
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

    private double[] protect(double[] a) {
        if (noise == null) return a;
        // a is the bounded copy, never the network's own output (a tanh layer keeps that for backward)
        for (int i = 0; i < a.length; i++) a[i] += noiseSd * noise.nextGaussian();
        return a;
    }
}
