package io.meshfl.core.protocol.split;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.data.Dataset;
import io.meshfl.core.model.nn.Columns;
import io.meshfl.core.model.nn.Network;

import java.security.SecureRandom;
import java.util.SplittableRandom;

/**
 * A party's bottom network over its encoded aligned rows, and the protection of what leaves it:
 * every cut-layer output sent is a fresh copy with Gaussian noise when a noise level is set. The
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
        for (double v : a) actSq += v * v;
        actCount += a.length;
        return protect(a);
    }

    /** Prediction-mode cut activations of aligned rows {@code [from, to)}, with noise. */
    double[] predict(int from, int to) {
        if (from < 0 || to > data.rows() || from >= to) {
            throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "row range [" + from + ", " + to + ") is outside the "
                    + data.rows() + " aligned rows of " + domain);
        }
        int[] idx = new int[to - from];
        for (int i = 0; i < idx.length; i++) idx[i] = from + i;
        return protect(predictNet.forward(params, Columns.gather(data, idx), idx.length));
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
        // A copy: a tanh layer keeps its output for backward, which must stay the clean one.
        double[] out = a.clone();
        for (int i = 0; i < out.length; i++) out[i] += noiseSd * noise.nextGaussian();
        return out;
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
