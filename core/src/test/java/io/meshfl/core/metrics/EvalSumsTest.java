package io.meshfl.core.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshfl.core.model.ModelSpec.Task;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class EvalSumsTest {

    private final Random rng = new Random(9);

    @Test
    void binaryMetricsMatchDirectComputation() {
        int n = 501;
        double[] p = new double[n];
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            y[i] = rng.nextBoolean() ? 1 : 0;
            p[i] = Math.min(1, Math.max(0, 0.5 + 0.3 * (y[i] - 0.5) + 0.3 * rng.nextGaussian()));
        }
        Map<String, Double> m = EvalSums.of(Task.BINARY, p, y, 1).toMap();
        assertEquals(List.of("loss", "accuracy", "f1"), List.copyOf(m.keySet()));
        assertEquals(Metrics.logLoss(p, y), m.get("loss"), 1e-12);
        assertEquals(Metrics.accuracy(p, y), m.get("accuracy"), 1e-12);
        assertEquals(Metrics.f1(p, y), m.get("f1"), 1e-12);
        assertSplitInvariant(Task.BINARY, p, y, 1);
    }

    @Test
    void multiclassMetricsMatchDirectComputation() {
        int n = 300, k = 4;
        double[] p = new double[n * k];
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            y[i] = rng.nextInt(k);
            double sum = 0;
            for (int j = 0; j < k; j++) sum += p[i * k + j] = rng.nextDouble() + (j == y[i] ? 0.5 : 0);
            for (int j = 0; j < k; j++) p[i * k + j] /= sum;
        }
        Map<String, Double> m = EvalSums.of(Task.MULTICLASS, p, y, k).toMap();
        assertEquals(List.of("loss", "accuracy"), List.copyOf(m.keySet()));
        assertEquals(Metrics.logLoss(p, y, k), m.get("loss"), 1e-12);
        assertEquals(Metrics.accuracy(p, y, k), m.get("accuracy"), 1e-12);
        assertSplitInvariant(Task.MULTICLASS, p, y, k);
    }

    @Test
    void regressionMetricsMatchDirectComputation() {
        int n = 400;
        double[] p = new double[n];
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            y[i] = 10 + 3 * rng.nextGaussian();
            p[i] = y[i] + rng.nextGaussian();
        }
        Map<String, Double> m = EvalSums.of(Task.REGRESSION, p, y, 1).toMap();
        assertEquals(List.of("loss", "rmse", "r2"), List.copyOf(m.keySet()));
        double rmse = Metrics.rmse(p, y);
        assertEquals(0.5 * rmse * rmse, m.get("loss"), 1e-9);
        assertEquals(rmse, m.get("rmse"), 1e-12);
        assertEquals(Metrics.r2(p, y), m.get("r2"), 1e-9);
        assertSplitInvariant(Task.REGRESSION, p, y, 1);
    }

    @Test
    void countMetricsMatchDirectComputation() {
        int n = 400;
        double[] mu = new double[n];
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            mu[i] = Math.exp(rng.nextGaussian());
            y[i] = rng.nextInt(3) == 0 ? 0 : rng.nextInt(6);
        }
        Map<String, Double> m = EvalSums.of(Task.COUNT, mu, y, 1).toMap();
        assertEquals(List.of("loss", "rmse", "r2", "poisson_deviance"), List.copyOf(m.keySet()));
        double loss = 0;
        for (int i = 0; i < n; i++) loss += mu[i] - y[i] * Math.log(mu[i]);
        assertEquals(loss / n, m.get("loss"), 1e-12);
        assertEquals(Metrics.poissonDeviance(mu, y), m.get("poisson_deviance"), 1e-12);
        assertEquals(Metrics.rmse(mu, y), m.get("rmse"), 1e-12);
        assertSplitInvariant(Task.COUNT, mu, y, 1);
    }

    @Test
    void wireArraysAddLikeMerge() {
        double[] p = {0.2, 0.7, 0.9, 0.4};
        double[] y = {0, 1, 0, 1};
        EvalSums a = EvalSums.of(Task.BINARY, Arrays.copyOfRange(p, 0, 2), Arrays.copyOfRange(y, 0, 2), 1);
        EvalSums b = EvalSums.of(Task.BINARY, Arrays.copyOfRange(p, 2, 4), Arrays.copyOfRange(y, 2, 4), 1);
        double[] summed = a.toArray();
        double[] bb = b.toArray();
        for (int i = 0; i < summed.length; i++) summed[i] += bb[i];
        assertArrayEquals(a.merge(b).toArray(), summed, 0.0);
        assertEquals(a.merge(b), EvalSums.fromArray(Task.BINARY, summed));
        assertEquals(EvalSums.WIRE_LENGTH, summed.length);
    }

    @Test
    void rejectsMismatches() {
        EvalSums bin = EvalSums.empty(Task.BINARY);
        assertThrows(IllegalArgumentException.class, () -> bin.merge(EvalSums.empty(Task.COUNT)));
        assertThrows(IllegalArgumentException.class, () -> EvalSums.of(Task.BINARY, new double[2], new double[2], 2));
        assertThrows(IllegalArgumentException.class, () -> EvalSums.of(Task.MULTICLASS, new double[5], new double[2], 3));
        assertThrows(IllegalArgumentException.class, () -> EvalSums.fromArray(Task.BINARY, new double[3]));
        assertTrue(bin.toMap().isEmpty());
    }

    private static void assertSplitInvariant(Task task, double[] p, double[] y, int k) {
        int cut = y.length / 3;
        EvalSums whole = EvalSums.of(task, p, y, k);
        EvalSums left = EvalSums.of(task, Arrays.copyOfRange(p, 0, cut * k), Arrays.copyOfRange(y, 0, cut), k);
        EvalSums right = EvalSums.of(task, Arrays.copyOfRange(p, cut * k, p.length), Arrays.copyOfRange(y, cut, y.length), k);
        Map<String, Double> expected = whole.toMap();
        Map<String, Double> merged = left.merge(right).toMap();
        assertEquals(expected.keySet(), merged.keySet());
        for (String key : expected.keySet()) assertEquals(expected.get(key), merged.get(key), 1e-9, key);
    }
}
