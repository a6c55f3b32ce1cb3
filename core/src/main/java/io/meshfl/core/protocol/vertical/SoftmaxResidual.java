package io.meshfl.core.protocol.vertical;

import io.meshfl.core.model.nn.Losses;

import java.math.BigInteger;
import java.util.stream.IntStream;

/**
 * The guest's residuals of multinomial logistic regression under Paillier, without the hosts'
 * current scores in the clear. The softmax is expanded about the full scores {@code a} of the
 * epoch's start, which the guest holds from the evaluation that ended the last epoch:
 * {@code d_c = p_c(a) - y_c + p_c (v_c - p(a).v)} with {@code v = u - a}, u the current scores.
 * At the anchor this is the exact softmax gradient, so training reaches the same optimum as
 * central multinomial logistic regression; FATE's hetero LR instead trains one-vs-rest models.
 */
final class SoftmaxResidual {

    private SoftmaxResidual() {
    }

    /**
     * [[d_c]] at scale 2^(3 fracBits) for every batch row and class, row-major: {@code own} the
     * guest's current partial scores of the batch, {@code hosts} the hosts' encrypted ones summed
     * (scale 2^fracBits), {@code y} the batch's class labels. Each result carries fresh randomness
     * of the guest's, so a host cannot read it from the randomness of its own ciphertexts.
     */
    static BigInteger[] encrypted(Party p, int[] rows, double[] own, BigInteger[] hosts, double[] y) {
        int k = p.outputs;
        int f = p.fracBits;
        BigInteger shift = BigInteger.ONE.shiftLeft(f);
        BigInteger[] fresh = new BigInteger[rows.length * k];
        double[][] prob = new double[rows.length][];
        for (int i = 0; i < rows.length; i++) {
            prob[i] = new double[k];
            Losses.softmax(p.anchor, rows[i] * k, k, prob[i], 0);
            for (int c = 0; c < k; c++) fresh[i * k + c] = p.fp.encode(Math.scalb(prob[i][c] - (y[i] == c ? 1 : 0), 2 * f));
        }
        fresh = p.enc.encryptAll(fresh);
        BigInteger[] d = new BigInteger[rows.length * k];
        BigInteger[] out = fresh;
        IntStream.range(0, rows.length).parallel().forEach(i -> {
            BigInteger[] v = new BigInteger[k];
            long[] weights = new long[k];
            for (int c = 0; c < k; c++) {
                v[c] = p.he.addPlain(hosts[i * k + c], p.fp.encode(own[i * k + c] - p.anchor[rows[i] * k + c]));
                weights[c] = p.fp.encodeLong(prob[i][c]);
            }
            BigInteger minusPv = p.he.neg(p.he.sumProducts(v, weights)); // [[-p.v]] at scale 2^2f
            for (int c = 0; c < k; c++) {
                BigInteger t = p.he.add(p.he.mulPlain(v[c], shift), minusPv);
                d[i * k + c] = p.he.add(p.he.mulPlain(t, BigInteger.valueOf(weights[c])), out[i * k + c]);
            }
        });
        return d;
    }

    /** The plain values {@link #encrypted} encrypts: the expansion about {@code anchor} of the softmax gradient at {@code u}. */
    static double[] linearized(double[] anchor, double[] u, double[] y, int k) {
        int n = y.length;
        double[] d = new double[n * k];
        double[] prob = new double[k];
        for (int i = 0; i < n; i++) {
            Losses.softmax(anchor, i * k, k, prob, 0);
            double pv = 0;
            for (int c = 0; c < k; c++) pv += prob[c] * (u[i * k + c] - anchor[i * k + c]);
            for (int c = 0; c < k; c++) {
                d[i * k + c] = prob[c] - (y[i] == c ? 1 : 0) + prob[c] * (u[i * k + c] - anchor[i * k + c] - pv);
            }
        }
        return d;
    }
}
