package io.meshfl.core.crypto.secagg;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class QuantizerTest {

    @Test
    void sumOfQuantizedDequantizesToTheFloatSumWithinNSteps() {
        int n = 50;
        Quantizer q = Quantizer.ring32(2.0, n);
        Random rnd = new Random(1);
        for (boolean stochastic : new boolean[]{false, true}) {
            List<long[]> enc = new ArrayList<>();
            double[] exact = new double[1000];
            for (int c = 0; c < n; c++) {
                double[] u = new double[exact.length];
                for (int i = 0; i < u.length; i++) {
                    u[i] = rnd.nextGaussian();
                    exact[i] += Math.max(-2, Math.min(2, u[i]));
                }
                enc.add(stochastic ? q.quantize(u, new Random(c)) : q.quantize(u));
            }
            double[] decoded = q.dequantizeSum(q.ring().sum(enc), n);
            for (int i = 0; i < exact.length; i++) {
                assertEquals(exact[i], decoded[i], n * q.step(), "coordinate " + i + ", stochastic=" + stochastic);
            }
        }
    }

    @Test
    void fullClientsAtTheClipDoNotWrap() {
        int n = 1000;
        Quantizer q = Quantizer.ring32(1.0, n);
        List<long[]> top = new ArrayList<>();
        List<long[]> bottom = new ArrayList<>();
        for (int c = 0; c < n; c++) {
            top.add(q.quantize(new double[]{5.0}));
            bottom.add(q.quantize(new double[]{-5.0}));
        }
        assertEquals(n, q.dequantizeSum(q.ring().sum(top), n)[0], 1e-6);
        assertEquals(-n, q.dequantizeSum(q.ring().sum(bottom), n)[0], 1e-6);
        assertTrue(q.ring().sum(top)[0] <= q.ring().mask());
    }

    @Test
    void stochasticRoundingIsUnbiased() {
        Quantizer q = new Quantizer(1.0, new Ring(12), 4); // coarse: step = 2/1023
        double x = -1.0 + 511.3 * q.step(); // three tenths of the way between two levels
        double total = 0;
        Random rnd = new Random(3);
        int trials = 20_000;
        for (int t = 0; t < trials; t++) {
            total += q.dequantizeSum(q.quantize(new double[]{x}, rnd), 1)[0];
        }
        assertEquals(x, total / trials, q.step() * 0.02);
        // nearest rounding is biased for the same value
        assertTrue(Math.abs(q.dequantizeSum(q.quantize(new double[]{x}), 1)[0] - x) > q.step() * 0.2);
    }

    @Test
    void wideRingsGiveFineSteps() {
        Quantizer q = new Quantizer(1.0, new Ring(62), 1000);
        assertTrue(q.step() < 1e-15);
        double[] v = {0.123456789012345, -0.5};
        double[] back = q.dequantizeSum(q.quantize(v), 1);
        assertEquals(v[0], back[0], 1e-15);
        assertEquals(v[1], back[1], 1e-15);
    }

    @Test
    void sumsThatNoHonestClientsCouldSendAreRefused() {
        Quantizer q = Quantizer.ring32(1.0, 10);
        var e = assertThrows(MeshflException.class, () -> q.dequantizeSum(new long[]{0xFFFFFFFFL}, 2));
        assertEquals(ErrorCode.PROTOCOL_FAILURE, e.code());
        assertThrows(MeshflException.class, () -> q.dequantizeSum(new long[]{0}, 11));
    }

    @Test
    void invalidSettingsNameTheField() {
        var e = assertThrows(MeshflException.class, () -> Quantizer.ring32(0, 10));
        assertTrue(e.getMessage().contains("'clip'"), e.getMessage());
        e = assertThrows(MeshflException.class, () -> new Quantizer(1, new Ring(3), 10));
        assertTrue(e.getMessage().contains("'ring'"), e.getMessage());
        e = assertThrows(MeshflException.class, () -> new Ring(63));
        assertTrue(e.getMessage().contains("'bits'"), e.getMessage());
        assertThrows(MeshflException.class, () -> Quantizer.ring32(1, 2).quantize(new double[]{Double.NaN}));
    }
}
