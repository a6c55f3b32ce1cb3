package io.meshfl.core.crypto.paillier;

import java.math.BigInteger;
import java.util.Locale;
import java.util.Random;
import java.util.stream.IntStream;

/**
 * The vertical host's gradient kernel for one batch: [[X^T d]], one sum of ciphertext-plaintext
 * products per feature over the same encrypted residuals, once per feature on its own
 * ({@link Homomorphic#sumProducts(BigInteger[], long[])}, features in parallel: the previous version)
 * and once through {@link CipherProducts} (the residuals prepared once). Checks the results are the
 * same residues and prints both times.
 *
 * <p>Arguments: rows features bits rounds fracBits (default 8192 300 1024 2 24). Run from the repository root:
 * <pre>
 * mvn -B -q -o -pl core test-compile &amp;&amp; java -cp core/target/classes:core/target/test-classes io.meshfl.core.crypto.paillier.GradientKernelBench
 * </pre>
 */
public final class GradientKernelBench {
    private GradientKernelBench() {
    }

    public static void main(String[] args) {
        int rows = args.length > 0 ? Integer.parseInt(args[0]) : 8_192;
        int features = args.length > 1 ? Integer.parseInt(args[1]) : 300;
        int bits = args.length > 2 ? Integer.parseInt(args[2]) : 1024;
        int rounds = args.length > 3 ? Integer.parseInt(args[3]) : 2;
        PaillierKeyPair kp = Keys.of(bits, 7);
        BigInteger[] plains = new BigInteger[rows];
        BigInteger[] d = new BigInteger[rows];
        try (Encryptor enc = new Encryptor(kp.pub(), Keys.seeded(11), Encryptor.Options.withoutBackgroundThread())) {
            Random r = new Random(5);
            for (int i = 0; i < rows; i++) {
                plains[i] = BigInteger.valueOf((long) (r.nextGaussian() * (1L << 40))).mod(kp.pub().n());
                d[i] = enc.encrypt(plains[i]);
            }
        }
        FixedPoint fp = new FixedPoint(kp.pub(), args.length > 4 ? Integer.parseInt(args[4]) : 24); // the vertical jobs' default fracBits
        long[][] x = new long[features][rows];
        Random r = new Random(6);
        for (long[] col : x) for (int i = 0; i < rows; i++) col[i] = fp.encodeLong(r.nextGaussian());
        Homomorphic he = new Homomorphic(kp.pub());
        System.out.printf(Locale.ROOT, "%d rows x %d features, %d-bit key, %d cores%n", rows, features, bits, Runtime.getRuntime().availableProcessors());
        for (int round = 1; round <= rounds; round++) {
            long t0 = System.nanoTime();
            BigInteger[] before = new BigInteger[features];
            IntStream.range(0, features).parallel().forEach(j -> before[j] = he.sumProducts(d, x[j]));
            double previous = (System.nanoTime() - t0) / 1e9;
            t0 = System.nanoTime();
            BigInteger[] now = new CipherProducts(kp.pub(), d).sumProducts(x);
            double shared = (System.nanoTime() - t0) / 1e9;
            for (int j = 0; j < features; j++) {
                if (!before[j].equals(now[j])) throw new AssertionError("feature " + j + " differs");
            }
            System.out.printf(Locale.ROOT, "round %d: per feature (previous) %.2f s, shared bases (now) %.2f s, %.2fx; %.1f us per row and feature%n",
                    round, previous, shared, previous / shared, shared * 1e6 / rows / features);
        }
    }
}
