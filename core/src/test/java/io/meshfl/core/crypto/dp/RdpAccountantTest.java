package io.meshfl.core.crypto.dp;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RdpAccountantTest {

    private static final double MNIST_Q = 256.0 / 60000;
    /** ceil(60 epochs * 60000 / 256), as TF Privacy's compute_dp_sgd_privacy counts steps. */
    private static final long MNIST_STEPS = 14063;

    /** Opacus's RDPAccountant.DEFAULT_ALPHAS: 1.1, 1.2, ..., 10.9, 12, ..., 63. */
    private static double[] opacusOrders() {
        double[] o = new double[99 + 52];
        for (int x = 1; x < 100; x++) {
            o[x - 1] = 1 + x / 10.0;
        }
        for (int a = 12; a < 64; a++) {
            o[99 + a - 12] = a;
        }
        return o;
    }

    /** The orders of TF Privacy's compute_dp_sgd_privacy.py. */
    private static double[] tfOrders() {
        double[] head = {1.25, 1.5, 1.75, 2, 2.25, 2.5, 3, 3.5, 4, 4.5};
        double[] o = new double[head.length + 59 + 3];
        System.arraycopy(head, 0, o, 0, head.length);
        for (int a = 5; a < 64; a++) {
            o[head.length + a - 5] = a;
        }
        o[o.length - 3] = 128;
        o[o.length - 2] = 256;
        o[o.length - 1] = 512;
        return o;
    }

    @Test
    void matchesOpacusAccountantTestValue() {
        // opacus/tests/accountants_test.py: sigma 1.5, q 0.04, int(90 / 0.04) = 2250 steps,
        // get_epsilon(delta=1e-5) == 7.32911117143 (assertAlmostEqual, 7 places); improved conversion
        double eps = new RdpAccountant(opacusOrders()).compose(0.04, 1.5, 2250).epsilon(1e-5);
        assertEquals(7.32911117143, eps, 5e-8);
    }

    @Test
    void classicConversionMatchesTfPrivacyMnistFigure() {
        // TF Privacy tutorials/README.md: compute_dp_sgd_privacy --N=60000 --batch_size=256
        // --noise_multiplier=1.1 --epochs=60 --delta=1e-5 "satisfies differential privacy with
        // eps = 3.01" (printed with 3 significant digits, classic conversion of that time)
        RdpAccountant mnist = new RdpAccountant(tfOrders()).compose(MNIST_Q, 1.1, MNIST_STEPS);
        assertEquals(3.01, mnist.epsilonClassic(1e-5), 0.005);
        // the script's docstring: noise multiplier 1.12 gives (2.92, 1e-5)-DP
        assertEquals(2.92, new RdpAccountant(tfOrders()).compose(MNIST_Q, 1.12, MNIST_STEPS).epsilonClassic(1e-5), 0.005);
    }

    @Test
    void improvedConversionIsTighterOnMnist() {
        // Same run with this accountant's default orders. Not a published figure: 2.5970795 was
        // cross-checked with a scipy transcription of the same formulas (log_ndtr, binom).
        RdpAccountant mnist = new RdpAccountant().compose(MNIST_Q, 1.1, MNIST_STEPS);
        RdpAccountant.Spent spent = mnist.spent(1e-5);
        assertEquals(2.5970795, spent.epsilon(), 1e-6);
        assertEquals(8, spent.order());
        assertEquals(3.0092112, mnist.epsilonClassic(1e-5), 1e-6);
    }

    @Test
    void matchesTfPrivacyComputeRdpValues() {
        // tensorflow_privacy rdp_accountant_test: test_compute_rdp_scalar and test_compute_rdp_sequence
        assertEquals(0.07737, RdpAccountant.rdp(0.1, 2, 5) * 10, 5e-6);
        double[] orders = {1.5, 2.5, 5, 50, 100};
        double[] expected = {0.00065, 0.001085, 0.00218075, 0.023846, 167.416307};
        double[] rdp = new RdpAccountant(orders).compose(0.01, 2.5, 50).rdp();
        for (int i = 0; i < orders.length; i++) {
            assertEquals(expected[i], rdp[i], 1e-5, "order " + orders[i]);
        }
    }

    @Test
    void improvedConversionMatchesTfPrivacyPureDpCase() {
        // test_get_privacy_spent_check_target_delta: constant RDP 1.1 over orders 2..32 at delta 1e-5
        double[] orders = new double[31];
        double[] rdp = new double[31];
        for (int i = 0; i < 31; i++) {
            orders[i] = i + 2;
            rdp[i] = 1.1;
        }
        RdpAccountant.Spent s = RdpAccountant.convert(orders, rdp, 1e-5);
        assertEquals(32, s.order());
        assertEquals(1.32783806176, s.epsilon(), 1e-10);
    }

    @Test
    void withoutSamplingRdpIsTheGaussianClosedForm() {
        double sigma = 1.3;
        long steps = 77;
        RdpAccountant acc = new RdpAccountant().compose(1.0, sigma, steps);
        double[] orders = acc.orders();
        double[] rdp = acc.rdp();
        for (int i = 0; i < orders.length; i++) {
            assertEquals(orders[i] / (2 * sigma * sigma) * steps, rdp[i], 1e-12 * rdp[i]);
        }
        // and the integer/fractional series reach the same closed form as q -> 1
        assertEquals(3 / (2 * sigma * sigma), RdpAccountant.rdp(1 - 1e-12, sigma, 3), 1e-9);
        assertEquals(2.5 / (2 * sigma * sigma), RdpAccountant.rdp(1 - 1e-12, sigma, 2.5), 1e-9);
    }

    @Test
    void gaussianCalibratedToOneEpsilonGivesOne() {
        // test_get_privacy_spent_check_target_delta, second half: sigma 4.530877117, q = 1,
        // one step, orders 1.001..99.999 is (1, 1e-6)-DP
        double[] orders = new double[98_999];
        for (int i = 0; i < orders.length; i++) {
            orders[i] = 0.001 * (i + 1001);
        }
        assertEquals(1.0, new RdpAccountant(orders).compose(1, 4.530877117, 1).epsilon(1e-6), 5e-8);
    }

    @Test
    void logAMatchesNumericalIntegration() {
        // log A_alpha from the definition E_{z~N(0,s^2)}[((1-q) + q exp((2z-1)/(2s^2)))^alpha],
        // integrated with mpmath at 30 digits (the parameter sets of TF Privacy's test plus three)
        double[][] cases = {
                {1e-4, 1, 1.5, 6.4426869538366497255e-9},
                {1e-3, 1, 2, 1.7182803522145153698e-6},
                {0.01, 10, 20, 0.00019129699912842962637},
                {0.1, 100, 20.5, 0.0001999181845806829614},
                {1e-6, 1, 27, 8.7695113048484978803e-10},
                {0.01, 2.5, 2.5, 0.000032562541707543729095},
                {MNIST_Q, 1.1, 1.75, 0.000015324041226859536742},
                {0.04, 1.5, 3.9, 0.0053162863787931897766},
        };
        for (double[] c : cases) {
            double logA = RdpAccountant.rdp(c[0], c[1], c[2]) * (c[2] - 1);
            assertEquals(c[3], logA, 1e-7 * c[3], "q=" + c[0] + " sigma=" + c[1] + " order=" + c[2]);
        }
    }

    @Test
    void composingInPartsEqualsComposingAtOnce() {
        RdpAccountant parts = new RdpAccountant().compose(0.02, 1.0, 300).compose(0.02, 1.0, 700);
        RdpAccountant once = new RdpAccountant().compose(0.02, 1.0, 1000);
        assertEquals(once.epsilon(1e-5), parts.epsilon(1e-5), 1e-12);
        assertTrue(new RdpAccountant().compose(0.02, 1.0, 2000).epsilon(1e-5) > once.epsilon(1e-5));
        assertEquals(0, new RdpAccountant().epsilon(1e-5));
    }

    @Test
    void noiseMultiplierForABudgetJustFitsIt() {
        PrivacyBudget budget = new PrivacyBudget(2.0, 1e-5);
        double sigma = RdpAccountant.noiseMultiplierFor(budget, 0.01, 5000);
        assertTrue(new RdpAccountant().compose(0.01, sigma, 5000).epsilon(1e-5) <= 2.0);
        assertTrue(new RdpAccountant().compose(0.01, sigma * 0.99, 5000).epsilon(1e-5) > 2.0);
        assertTrue(budget.covers(new RdpAccountant().compose(0.01, sigma, 5000)));
    }

    @Test
    void invalidInputsNameTheField() {
        var e = assertThrows(MeshflException.class, () -> RdpAccountant.rdp(1.5, 1, 2));
        assertEquals(ErrorCode.CRYPTO_FAILURE, e.code());
        assertTrue(e.getMessage().contains("'q'"), e.getMessage());
        e = assertThrows(MeshflException.class, () -> new RdpAccountant().epsilon(0));
        assertTrue(e.getMessage().contains("'delta'"), e.getMessage());
        e = assertThrows(MeshflException.class, () -> new RdpAccountant(new double[]{1.0}));
        assertTrue(e.getMessage().contains("'orders'"), e.getMessage());
        assertEquals(Double.POSITIVE_INFINITY, new RdpAccountant().compose(0.1, 0, 1).epsilon(1e-5));
    }
}
