package io.meshfl.core.protocol.vertical;

import io.meshfl.core.crypto.paillier.Encryptor;
import io.meshfl.core.crypto.paillier.FixedPoint;
import io.meshfl.core.crypto.paillier.CipherProducts;
import io.meshfl.core.crypto.paillier.PaillierKeyPair;
import io.meshfl.core.plan.cost.CostModel;

import java.math.BigInteger;
import java.security.SecureRandom;
import java.util.Random;

/**
 * Measures this machine's speed at the work that dominates encrypted vertical training, so the
 * planner prices federated strategies with the machine's own constant: encrypting one value per
 * row and summing ciphertext-times-plaintext products per column over the same ciphertexts (what a party does per
 * pass, {@link CipherProducts}),
 * with a 1024-bit key. The result is scaled against the same kernel on the reference machine,
 * whose full vertical epoch gave {@link CostModel#REFERENCE_ENCRYPTED}.
 */
public final class EncryptedCalibration {

    /**
     * The kernel on the reference machine (2-CPU AMD EPYC, Java 17, best of 5 runs, three calls, 2026-12-07, the day of
     * {@link CostModel#REFERENCE_ENCRYPTED}), seconds per row and column, 2,000 rows x 8 columns.
     */
    public static final double REFERENCE_KERNEL = 1.20e-5;

    private EncryptedCalibration() {
    }

    /** Best of {@code repeats} timings of the kernel, in seconds per row and column (the encryption counts as one column). */
    public static double kernelSeconds(int rows, int columns, int repeats, long seed) {
        SecureRandom rnd = new SecureRandom();
        PaillierKeyPair keys = PaillierKeyPair.generate(1024, rnd);
        FixedPoint fp = new FixedPoint(keys.pub(), 24);
        Random data = new Random(seed);
        BigInteger[] plain = new BigInteger[rows];
        long[][] x = new long[columns][rows];
        for (int i = 0; i < rows; i++) {
            plain[i] = fp.encode(data.nextGaussian());
            for (int j = 0; j < columns; j++) x[j][i] = fp.encodeLong(data.nextGaussian());
        }
        double best = Double.POSITIVE_INFINITY;
        try (Encryptor enc = new Encryptor(keys.pub(), rnd, Encryptor.Options.withoutBackgroundThread())) {
            for (int r = 0; r <= repeats; r++) {
                long t0 = System.nanoTime();
                BigInteger[] c = enc.encryptAll(plain);
                BigInteger sink = BigInteger.ZERO;
                CipherProducts products = new CipherProducts(keys.pub(), c);
                for (int j = 0; j < columns; j++) sink = sink.xor(products.sumProducts(x[j])); // one thread, as the reference
                double s = (System.nanoTime() - t0) / 1e9;
                if (sink.signum() < 0) throw new IllegalStateException();
                if (r > 0) best = Math.min(best, s); // the first pass warms the JIT
            }
        }
        return best / ((double) rows * (columns + 1));
    }

    /** The encrypted-work constant of this machine from its kernel time. */
    public static double constantFromKernel(double kernelSeconds) {
        return CostModel.REFERENCE_ENCRYPTED * kernelSeconds / REFERENCE_KERNEL;
    }
}
