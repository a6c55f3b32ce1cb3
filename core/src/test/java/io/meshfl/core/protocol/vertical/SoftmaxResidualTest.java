package io.meshfl.core.protocol.vertical;

import io.meshfl.core.crypto.paillier.Decryptor;
import io.meshfl.core.crypto.paillier.PaillierKeyPair;
import io.meshfl.core.data.Dataset;
import io.meshfl.core.model.ModelSpec;
import io.meshfl.core.model.nn.Losses;
import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.security.SecureRandom;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The multinomial residual the guest computes under Paillier: the exact softmax gradient at the
 * epoch's anchor scores, first-order accurate away from them, and what the guest's ciphertexts
 * decrypt to at 1024-bit keys.
 */
class SoftmaxResidualTest {

    private static final int K = 4;

    private static double[] gaussians(Random r, int n, double sd) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) v[i] = r.nextGaussian() * sd;
        return v;
    }

    private static double[] labels(Random r, int n) {
        double[] y = new double[n];
        for (int i = 0; i < n; i++) y[i] = r.nextInt(K);
        return y;
    }

    /** The softmax cross-entropy gradient per row and class: p(u) - onehot(y). */
    private static double[] exact(double[] u, double[] y) {
        double[] d = new double[u.length];
        for (int i = 0; i < y.length; i++) {
            Losses.softmax(u, i * K, K, d, i * K);
            d[i * K + (int) y[i]] -= 1;
        }
        return d;
    }

    @Test
    void atTheAnchorTheResidualIsTheExactSoftmaxGradient() {
        Random r = new Random(1);
        double[] a = gaussians(r, 50 * K, 2);
        double[] y = labels(r, 50);
        double[] lin = SoftmaxResidual.linearized(a, a, y, K);
        double[] want = exact(a, y);
        for (int i = 0; i < want.length; i++) assertEquals(want[i], lin[i], 1e-12);
    }

    @Test
    void awayFromTheAnchorTheErrorShrinksWithTheSquareOfTheStep() {
        Random r = new Random(2);
        double[] a = gaussians(r, 40 * K, 1.5);
        double[] dir = gaussians(r, 40 * K, 1);
        double[] y = labels(r, 40);
        double[] errors = new double[2];
        double[] steps = {0.1, 0.05};
        for (int s = 0; s < 2; s++) {
            double[] u = a.clone();
            for (int i = 0; i < u.length; i++) u[i] += steps[s] * dir[i];
            double[] lin = SoftmaxResidual.linearized(a, u, y, K);
            double[] want = exact(u, y);
            for (int i = 0; i < want.length; i++) errors[s] = Math.max(errors[s], Math.abs(want[i] - lin[i]));
        }
        assertTrue(errors[0] > 0, "away from the anchor the expansion is not exact");
        // halving the step quarters a second-order error (a first-order one would only halve it)
        assertTrue(errors[1] < errors[0] / 3, "errors " + errors[0] + " then " + errors[1]);
    }

    @Test
    void theGuestsCiphertextsDecryptToTheExpansionAtTheCurrentScores() {
        Random r = new Random(3);
        int rows = 12;
        PaillierKeyPair keys = PaillierKeyPair.generate(1024, new SecureRandom());
        Dataset data = new Dataset(List.of("g"), new double[rows], labels(r, rows), null, rows);
        Party guest = new Party("bank", true, ModelSpec.Type.SOFTMAX, K, List.of("g"), io.meshfl.core.data.AlignedRows.of(data), new double[]{0}, new double[]{1},
                keys.pub(), 24, 9);
        guest.anchor = gaussians(r, rows * K, 1);
        int[] batch = {7, 2, 11, 0, 5};
        double[] own = gaussians(r, batch.length * K, 0.5);
        double[] host = gaussians(r, batch.length * K, 0.5);
        BigInteger[] hostCipher = new BigInteger[host.length];
        for (int i = 0; i < host.length; i++) hostCipher[i] = guest.enc.encrypt(guest.fp.encode(host[i]));
        double[] y = new double[batch.length];
        double[] anchor = new double[batch.length * K];
        double[] u = new double[batch.length * K];
        for (int i = 0; i < batch.length; i++) {
            y[i] = data.y()[batch[i]];
            for (int c = 0; c < K; c++) {
                anchor[i * K + c] = guest.anchor[batch[i] * K + c];
                u[i * K + c] = own[i * K + c] + host[i * K + c];
            }
        }
        BigInteger[] d = SoftmaxResidual.encrypted(guest, batch, own, hostCipher, y);
        double[] want = SoftmaxResidual.linearized(anchor, u, y, K);
        Decryptor dec = new Decryptor(keys.priv());
        BigInteger n = keys.pub().n();
        for (int i = 0; i < want.length; i++) {
            BigInteger m = dec.decrypt(d[i]);
            if (m.compareTo(n.shiftRight(1)) > 0) m = m.subtract(n);
            // at scale 2^(3 x 24), with the probabilities rounded to 24 fractional bits
            assertEquals(want[i], Math.scalb(m.doubleValue(), -72), 1e-6, "row " + i / K + ", class " + i % K);
        }
    }
}
