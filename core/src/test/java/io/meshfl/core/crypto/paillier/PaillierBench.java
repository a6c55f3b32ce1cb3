package io.meshfl.core.crypto.paillier;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.IntConsumer;

/**
 * Measures the Paillier primitives at 2048 bits against the floor, one plain r^n mod n^2, and
 * prints a markdown table. Every measurement runs in interleaved rounds and reports the median,
 * so that load from other processes hits all rows alike. Single-threaded throughout.
 *
 * <p>Run from the repository root:
 * <pre>
 * mvn -B -q -o -pl core test-compile &amp;&amp; java -cp core/target/classes:core/target/test-classes io.meshfl.core.crypto.paillier.PaillierBench
 * </pre>
 * An optional argument sets the number of rounds (default 5).
 */
public final class PaillierBench {
    private static final int TERMS = 10_000;

    private PaillierBench() {
    }

    public static void main(String[] args) throws IOException {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        SecureRandom rnd = Keys.seeded(2048);
        long t0 = System.nanoTime();
        PaillierKeyPair kp = PaillierKeyPair.generate(2048, rnd);
        double keygenMs = (System.nanoTime() - t0) / 1e6;
        PaillierPublicKey pk = kp.pub();
        BigInteger n = pk.n();
        BigInteger n2 = pk.nSquared();
        t0 = System.nanoTime();
        Encryptor enc = new Encryptor(pk, rnd, Encryptor.Options.withoutBackgroundThread());
        double setupMs = (System.nanoTime() - t0) / 1e6;
        Decryptor dec = new Decryptor(kp.priv(), io.meshfl.core.crypto.bigint.ModPow.Java.INSTANCE);
        // GMP where installed (a row says so where it is not)
        var native_ = io.meshfl.core.crypto.bigint.ModPow.choose("auto");
        boolean gmp = native_.engine() != io.meshfl.core.crypto.bigint.ModPow.Java.INSTANCE;
        Decryptor decGmp = new Decryptor(kp.priv(), native_.engine());
        Homomorphic he = new Homomorphic(pk);
        BigInteger lambda = kp.priv().pMinusOne.multiply(kp.priv().qMinusOne);

        int floorOps = 12;
        int fullOps = 60;
        int warmOps = 2000;
        int decOps = 60;
        BigInteger[] rs = new BigInteger[Math.max(floorOps, 1)];
        BigInteger[] ms = new BigInteger[warmOps];
        for (int i = 0; i < ms.length; i++) ms[i] = new BigInteger(n.bitLength() + 32, rnd).mod(n);
        ModNSquared.Residue[] randomness = new ModNSquared.Residue[warmOps];
        for (int i = 0; i < warmOps; i++) randomness[i] = enc.nextRandomness();
        BigInteger[] cts = new BigInteger[decOps];
        for (int i = 0; i < decOps; i++) cts[i] = enc.encrypt(ms[i]);
        BigInteger[] sink = new BigInteger[1];

        // units mod n^2 cost the same as ciphertexts and spare 10,000 encryptions before the run
        BigInteger[] bases = new BigInteger[TERMS];
        long[] ks = new long[TERMS];
        long[] signedKs = new long[TERMS];
        for (int i = 0; i < TERMS; i++) {
            bases[i] = new BigInteger(n2.bitLength() + 64, rnd).mod(n2);
            ks[i] = rnd.nextInt() & 0xffffffffL;
            signedKs[i] = rnd.nextInt();
        }

        List<double[]> samples = new ArrayList<>();
        String[] names = {"floor", "encWarm", "encFull", "decCrt", "decPlain", "pippenger", "pippengerSigned", "naive", "decGmp", "floorGmp"};
        for (int r = 0; r < rounds; r++) {
            double[] s = new double[names.length];
            for (int i = 0; i < floorOps; i++) rs[i] = new BigInteger(2048, rnd);
            s[0] = perOp(floorOps, i -> sink[0] = rs[i].modPow(n, n2));
            s[1] = perOp(warmOps, i -> sink[0] = enc.encryptWith(ms[i], randomness[i]));
            s[2] = perOp(fullOps, i -> sink[0] = enc.encrypt(ms[i]));
            s[3] = perOp(decOps, i -> sink[0] = dec.decrypt(cts[i]));
            s[8] = perOp(decOps, i -> sink[0] = decGmp.decrypt(cts[i]));
            s[9] = perOp(floorOps, i -> sink[0] = native_.engine().modPow(rs[i], n, n2));
            for (int i = 0; i < decOps; i++) {
                if (!dec.decrypt(cts[i]).equals(decGmp.decrypt(cts[i])) || !dec.decrypt(cts[i]).equals(ms[i])) {
                    throw new AssertionError("the decryptions disagree");
                }
            }
            s[4] = perOp(decOps / 4, i -> sink[0] = cts[i].modPow(lambda, n2));
            BigInteger[] results = new BigInteger[2];
            s[5] = perOp(1, i -> results[0] = he.sumProducts(bases, ks));
            s[6] = perOp(1, i -> sink[0] = he.sumProducts(bases, signedKs));
            s[7] = perOp(1, i -> {
                BigInteger acc = BigInteger.ONE;
                for (int j = 0; j < TERMS; j++) acc = acc.multiply(bases[j].modPow(BigInteger.valueOf(ks[j]), n2)).mod(n2);
                results[1] = acc;
            });
            if (!results[0].equals(results[1])) throw new AssertionError("multi-exponentiation disagrees with separate modPow");
            samples.add(s);
            System.err.printf(Locale.ROOT, "round %d: %s%n", r + 1, Arrays.toString(s));
        }
        double[] med = new double[names.length];
        for (int k = 0; k < names.length; k++) {
            final int kk = k;
            med[k] = samples.stream().mapToDouble(a -> a[kk]).sorted().toArray()[rounds / 2];
        }
        enc.close();

        System.out.println("## Paillier, 2048-bit key, single thread (median of " + rounds + " interleaved rounds)");
        System.out.println();
        System.out.println("Machine: " + cpuModel() + ", " + Runtime.getRuntime().availableProcessors() + " cores, Java "
                + System.getProperty("java.version") + ", load average at end " + loadAverage());
        System.out.printf(Locale.ROOT, "Key generation %.0f ms; encryptor set-up (hs = h^n, fixed-base table) %.0f ms.%n%n", keygenMs, setupMs);
        System.out.println("| operation | time per op | ops/s | vs floor |");
        System.out.println("|---|---:|---:|---:|");
        row("floor: r^n mod n^2, random 2048-bit r", med[0], med[0]);
        row("encrypt (a): randomness from the pool (encode + one multiply)", med[1], med[0]);
        row("encrypt (b): full cost, hs^a from the fixed-base table + encode", med[2], med[0]);
        row("decrypt with CRT, BigInteger.modPow (previous version)", med[3], med[0]);
        if (gmp) {
            row("decrypt with CRT, " + native_.engine().name(), med[8], med[0]);
            row("for reference: the floor's r^n mod n^2 on " + native_.engine().name(), med[9], med[0]);
        } else {
            System.out.println("| decrypt with CRT on GMP | not run: " + native_.why() + " | | |");
        }
        row("decrypt without CRT (c^lambda mod n^2), for reference", med[4], med[0]);
        System.out.println();
        System.out.println("| sum of 10,000 c_i^k_i mod n^2, 32-bit k_i | time | speed-up |");
        System.out.println("|---|---:|---:|");
        System.out.printf(Locale.ROOT, "| separate modPow, multiply, mod | %.0f ms | 1.0x |%n", med[7] / 1e6);
        System.out.printf(Locale.ROOT, "| multi-exponentiation (buckets), k_i in [0, 2^32) | %.0f ms | %.1fx |%n", med[5] / 1e6, med[7] / med[5]);
        System.out.printf(Locale.ROOT, "| multi-exponentiation (buckets), signed 32-bit k_i | %.0f ms | %.1fx |%n", med[6] / 1e6, med[7] / med[6]);
    }

    /** Nanoseconds per operation over ops calls. */
    private static double perOp(int ops, IntConsumer op) {
        long t = System.nanoTime();
        for (int i = 0; i < ops; i++) op.accept(i);
        return (System.nanoTime() - t) / (double) ops;
    }

    private static void row(String name, double ns, double floorNs) {
        String time = ns >= 1e6 ? String.format(Locale.ROOT, "%.2f ms", ns / 1e6) : String.format(Locale.ROOT, "%.1f us", ns / 1e3);
        System.out.printf(Locale.ROOT, "| %s | %s | %,.0f | %.1fx |%n", name, time, 1e9 / ns, floorNs / ns);
    }

    private static String cpuModel() throws IOException {
        Path p = Path.of("/proc/cpuinfo");
        if (!Files.exists(p)) return System.getProperty("os.arch");
        return Files.readAllLines(p).stream().filter(l -> l.startsWith("model name"))
                .map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst().orElse(System.getProperty("os.arch"));
    }

    private static String loadAverage() throws IOException {
        Path p = Path.of("/proc/loadavg");
        return Files.exists(p) ? Files.readString(p).split(" ")[0] : "unknown";
    }
}
