package io.meshfl.core.protocol.split;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.data.Dataset;
import io.meshfl.core.model.nn.Columns;
import io.meshfl.core.model.nn.Network;

/**
 * A party's own (MeshFL-built) bottom network over its encoded aligned rows; what leaves it is
 * protected by {@link CutProtection}.
 */
final class Bottom {

    final String domain;
    final Dataset data;
    final Network net;
    final double[] params;
    final double noiseSd;
    private final Network predictNet;
    private final int cut;
    private final CutProtection protection;

    Bottom(String domain, Dataset data, Network net, double[] params, double noiseSd) {
        this.domain = domain;
        this.data = data;
        this.net = net;
        this.params = params;
        this.noiseSd = noiseSd;
        this.predictNet = net.forPrediction();
        this.cut = net.outputs();
        this.protection = new CutProtection(cut, noiseSd);
    }

    int cutWidth() {
        return cut;
    }

    /** Training-mode cut activations of {@code rows}, protected; the network keeps what backward needs. */
    double[] forward(int[] rows) {
        return protection.training(net.forward(params, Columns.gather(data, rows), rows.length), rows.length);
    }

    /** The gradient w.r.t. the network's output from the gradient w.r.t. what was sent (see {@link CutProtection#backward}). */
    double[] backThroughBound(double[] grad) {
        return protection.backward(grad);
    }

    /** Prediction-mode cut activations of aligned rows {@code [from, to)}, protected. */
    double[] predict(int from, int to) {
        if (from < 0 || to > data.rows() || from >= to) {
            throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "row range [" + from + ", " + to + ") is outside the "
                    + data.rows() + " aligned rows of " + domain);
        }
        int[] idx = new int[to - from];
        for (int i = 0; i < idx.length; i++) idx[i] = from + i;
        return protection.prediction(predictNet.forward(params, Columns.gather(data, idx), idx.length), idx.length);
    }

    /** Mean squared clean activation since the last call, then resets it. */
    double takeMeanSquare() {
        return protection.takeMeanSquare();
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
