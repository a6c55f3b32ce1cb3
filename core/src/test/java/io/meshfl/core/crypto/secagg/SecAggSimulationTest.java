package io.meshfl.core.crypto.secagg;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import org.junit.jupiter.api.Test;

import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SecAggSimulationTest {

    private static final int N = 20;
    private static final int K = 6;
    private static final int T = 4;
    private static final int LENGTH = 20_000;

    @Test
    void exactSumSurvivesThirtyPercentDroppingAfterMasking() {
        SecAggParams params = params("r1", 1, LENGTH);
        Quantizer quantizer = new Quantizer(1.0, params.ring(), N);
        Random rnd = new Random(5);
        Map<Integer, double[]> updates = new HashMap<>();
        Map<Integer, long[]> inputs = new HashMap<>();
        for (int i = 0; i < N; i++) {
            double[] u = new double[LENGTH];
            for (int d = 0; d < LENGTH; d++) {
                u[d] = 0.3 * rnd.nextGaussian();
            }
            updates.put(i, u);
            inputs.put(i, quantizer.quantize(u));
        }
        Set<Integer> late = recoverableDrops(params, 6);

        SecAggSimulation.Outcome out = SecAggSimulation.run(params, inputs, Set.of(), late, random(1));

        assertEquals(N, out.inSum().size(), "late drop-outs sent their input, so all 20 are in the sum");
        assertArrayEquals(out.expectedSum(), out.sum());
        double[] decoded = quantizer.dequantizeSum(out.sum(), N);
        for (int d = 0; d < LENGTH; d++) {
            double exact = 0;
            for (double[] u : updates.values()) {
                exact += Math.max(-1, Math.min(1, u[d]));
            }
            assertEquals(exact, decoded[d], N * quantizer.step());
        }
    }

    @Test
    void exactSumWhenSomeDropBeforeAndSomeAfterMasking() {
        SecAggParams params = params("r2", 2, 500);
        Map<Integer, long[]> inputs = randomInputs(params, 2);
        List<Integer> order = recoverableOrder(params, 6);
        Set<Integer> early = new TreeSet<>(order.subList(0, 3));
        Set<Integer> late = new TreeSet<>(order.subList(3, 6));

        SecAggSimulation.Outcome out = SecAggSimulation.run(params, inputs, early, late, random(2));

        assertEquals(N - 3, out.inSum().size());
        assertTrue(Collections.disjoint(out.inSum(), early));
        assertArrayEquals(out.expectedSum(), out.sum());
    }

    @Test
    void everySeededDropSetGivesTheExactSumOrANamedRefusal() {
        // with degree 6 and threshold 4 a client can lose at most 2 neighbours; random drop sets
        // break that more often the larger they are (nearly always at 6 of 20), and the server
        // must then refuse, never guess
        int recovered = 0;
        int refused = 0;
        for (int seed = 0; seed < 12; seed++) {
            SecAggParams params = params("p" + seed, 100 + seed, 64);
            Map<Integer, long[]> inputs = randomInputs(params, seed);
            List<Integer> all = new ArrayList<>();
            for (int i = 0; i < N; i++) {
                all.add(i);
            }
            Collections.shuffle(all, new Random(seed));
            int drops = 1 + seed % 6;
            Set<Integer> early = new TreeSet<>(all.subList(0, drops / 2));
            Set<Integer> late = new TreeSet<>(all.subList(drops / 2, drops));
            try {
                SecAggSimulation.Outcome out = SecAggSimulation.run(params, inputs, early, late, random(seed));
                assertArrayEquals(out.expectedSum(), out.sum(), "seed " + seed);
                recovered++;
            } catch (MeshflException e) {
                assertEquals(ErrorCode.PROTOCOL_FAILURE, e.code());
                assertTrue(e.getMessage().matches("cannot rebuild the .* of client \\d+: too few shares.*"), e.getMessage());
                refused++;
            }
        }
        assertTrue(recovered > 0 && refused > 0, recovered + " recovered, " + refused + " refused");
    }

    @Test
    void oneMaskedInputLooksUniformWhileItsInputDoesNot() {
        SecAggParams params = params("r3", 3, LENGTH);
        Map<Integer, long[]> inputs = new HashMap<>();
        Quantizer quantizer = new Quantizer(1.0, params.ring(), N);
        Random rnd = new Random(9);
        for (int i = 0; i < N; i++) {
            double[] u = new double[LENGTH];
            for (int d = 0; d < LENGTH; d++) {
                u[d] = 0.1 * rnd.nextGaussian();
            }
            inputs.put(i, quantizer.quantize(u));
        }
        SecAggSimulation.Outcome out = SecAggSimulation.run(params, inputs, Set.of(), Set.of(), random(3));
        assertArrayEquals(out.expectedSum(), out.sum());

        long[] x = inputs.get(7);
        long[] y = out.maskedInputs().get(7);
        assertFalse(java.util.Arrays.equals(x, y));
        assertTrue(looksUniform(y, params.ring()), "masked input of client 7 should look uniform over Z_2^32");
        assertFalse(looksUniform(x, params.ring()), "the statistic must be able to tell an unmasked input");
    }

    /** Mean and variance within 5 standard errors of the uniform ring's, and 16-bucket chi-square below its 0.1% point. */
    private static boolean looksUniform(long[] v, Ring ring) {
        double m = ring.modulus();
        double mean = 0;
        double sq = 0;
        int[] buckets = new int[16];
        for (long e : v) {
            double f = e / m;
            mean += f;
            sq += f * f;
            buckets[(int) (e >>> (ring.bits() - 4))]++;
        }
        mean /= v.length;
        double var = sq / v.length - mean * mean;
        double meanSe = Math.sqrt(1.0 / 12 / v.length);
        double varSe = Math.sqrt((1.0 / 80 - 1.0 / 144) / v.length);
        double chi = 0;
        double expected = v.length / 16.0;
        for (int b : buckets) {
            chi += (b - expected) * (b - expected) / expected;
        }
        return Math.abs(mean - 0.5) < 5 * meanSe && Math.abs(var - 1.0 / 12) < 5 * varSe && chi < 37.7;
    }

    private static SecAggParams params(String round, int seed, int length) {
        byte[] graphSeed = new byte[32];
        new Random(seed).nextBytes(graphSeed);
        return new SecAggParams(round, N, K, T, 32, length, graphSeed);
    }

    private static Map<Integer, long[]> randomInputs(SecAggParams params, long seed) {
        Random rnd = new Random(seed);
        Map<Integer, long[]> inputs = new HashMap<>();
        for (int i = 0; i < N; i++) {
            long[] x = new long[params.vectorLength()];
            for (int d = 0; d < x.length; d++) {
                x[d] = rnd.nextInt(1 << 20);
            }
            inputs.put(i, x);
        }
        return inputs;
    }

    /**
     * A set of {@code count} clients whose loss leaves every client with at least {@code threshold}
     * live neighbours: the first such set in a seeded sequence of random draws.
     */
    private static Set<Integer> recoverableDrops(SecAggParams params, int count) {
        return new TreeSet<>(recoverableOrder(params, count).subList(0, count));
    }

    private static List<Integer> recoverableOrder(SecAggParams params, int count) {
        NeighbourGraph g = params.graph();
        Random rnd = new Random(42);
        while (true) {
            List<Integer> all = new ArrayList<>();
            for (int i = 0; i < N; i++) {
                all.add(i);
            }
            Collections.shuffle(all, rnd);
            Set<Integer> gone = new TreeSet<>(all.subList(0, count));
            boolean ok = true;
            for (int c = 0; c < N && ok; c++) {
                int live = 0;
                for (int n : g.neighbours(c)) {
                    live += gone.contains(n) ? 0 : 1;
                }
                ok = live >= params.threshold();
            }
            if (ok) {
                return all;
            }
        }
    }

    private static SecureRandom random(long seed) {
        try {
            // a seeded generator keeps keys, seeds and shares reproducible from run to run
            SecureRandom r = SecureRandom.getInstance("SHA1PRNG");
            r.setSeed(seed);
            return r;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
