package io.meshfl.core.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshfl.core.data.Dataset;
import io.meshfl.core.metrics.Metrics;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ConvergenceTest {

    @Test
    void logisticRegressionSeparatesNoisyLinearClasses() {
        double[] w = {1.5, -2, 1, 0.5, 0};
        Random rng = new Random(101);
        Dataset train = TestData.gaussian(2000, 5, rng, r -> dot(w, r) + 0.3 + 0.5 * rng.nextGaussian() > 0 ? 1 : 0);
        Dataset test = TestData.gaussian(1000, 5, rng, r -> dot(w, r) + 0.3 + 0.5 * rng.nextGaussian() > 0 ? 1 : 0);
        Model m = Models.create(ModelSpec.of(ModelSpec.Type.LOGISTIC), 5);
        LocalResult r = LocalTrainer.train(m, new double[m.numParams()], train,
                new LocalConfig(10, 64, OptimizerSpec.adam(0.05), 0, 0, 1));
        double[] scores = new double[test.rows()];
        m.predict(r.params(), test, scores);
        double auc = Metrics.auc(scores, test.y());
        assertTrue(auc > 0.95, "AUC " + auc);
    }

    @Test
    void mlpLearnsXor() {
        Random rng = new Random(102);
        Dataset train = xor(800, rng);
        Dataset test = xor(400, rng);
        Model m = Models.create(new ModelSpec(ModelSpec.Type.MLP, List.of(16), 2, 0), 2);
        double[] start = new double[m.numParams()];
        m.initialize(start, new Random(7));
        LocalResult r = LocalTrainer.train(m, start, train, new LocalConfig(60, 32, OptimizerSpec.adam(0.02), 0, 0, 2));
        double[] p = new double[test.rows()];
        m.predict(r.params(), test, p);
        double acc = Metrics.accuracy(p, test.y());
        assertTrue(acc > 0.95, "XOR accuracy " + acc);
    }

    @Test
    void poissonRegressionRecoversCoefficients() {
        double[] w = {0.5, -0.3, 0.2};
        double b = 0.3;
        Random rng = new Random(103);
        Dataset data = TestData.gaussian(5000, 3, rng, r -> TestData.poisson(Math.exp(dot(w, r) + b), rng));
        Model m = Models.create(ModelSpec.of(ModelSpec.Type.POISSON), 3);
        LocalResult r = LocalTrainer.train(m, new double[m.numParams()], data,
                new LocalConfig(20, 64, OptimizerSpec.adam(0.01), 0, 0, 3));
        for (int j = 0; j < 3; j++) assertEquals(w[j], r.params()[j], 0.1, "coefficient " + j);
        assertEquals(b, r.params()[3], 0.1, "intercept");
    }

    @Test
    void softmaxSeparatesThreeBlobs() {
        double[][] centers = {{0, 3}, {3, -2}, {-3, -2}};
        Random rng = new Random(104);
        Dataset train = blobs(900, centers, rng);
        Dataset test = blobs(600, centers, rng);
        Model m = Models.create(new ModelSpec(ModelSpec.Type.SOFTMAX, List.of(), 3, 0), 2);
        LocalResult r = LocalTrainer.train(m, new double[m.numParams()], train,
                new LocalConfig(10, 32, OptimizerSpec.sgd(0.1, 0.9), 0, 1e-4, 4));
        double[] probs = new double[test.rows() * 3];
        m.predict(r.params(), test, probs);
        double acc = Metrics.accuracy(probs, test.y(), 3);
        assertTrue(acc > 0.9, "blob accuracy " + acc);
    }

    private static Dataset xor(int n, Random rng) {
        double[] x = new double[2 * n];
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            int a = rng.nextInt(2), c = rng.nextInt(2);
            x[2 * i] = (2 * a - 1) + 0.15 * rng.nextGaussian();
            x[2 * i + 1] = (2 * c - 1) + 0.15 * rng.nextGaussian();
            y[i] = a ^ c;
        }
        return new Dataset(TestData.names(2), x, y, null, n);
    }

    private static Dataset blobs(int n, double[][] centers, Random rng) {
        double[] x = new double[2 * n];
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            int k = i % centers.length;
            x[2 * i] = centers[k][0] + rng.nextGaussian();
            x[2 * i + 1] = centers[k][1] + rng.nextGaussian();
            y[i] = k;
        }
        return new Dataset(TestData.names(2), x, y, null, n);
    }

    private static double dot(double[] w, double[] x) {
        double s = 0;
        for (int j = 0; j < w.length; j++) s += w[j] * x[j];
        return s;
    }
}
