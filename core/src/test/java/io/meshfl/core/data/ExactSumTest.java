package io.meshfl.core.data;

import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

class ExactSumTest {

    @Test
    void theSumIsTheExactSumRoundedOnceWhateverTheOrderOrSplit() {
        Random r = new Random(7);
        List<Double> values = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) values.add(r.nextGaussian() * Math.pow(10, r.nextInt(12) - 4));
        BigDecimal exact = BigDecimal.ZERO;
        for (double v : values) exact = exact.add(new BigDecimal(v));
        double expected = exact.round(MathContext.DECIMAL128).doubleValue();
        double naiveForward = 0, naiveBackward = 0;
        for (double v : values) naiveForward += v;
        for (int i = values.size() - 1; i >= 0; i--) naiveBackward += values.get(i);
        // the naive sums depend on the order; the exact one does not
        assertNotEquals(naiveForward, naiveBackward);
        for (int trial = 0; trial < 5; trial++) {
            Collections.shuffle(values, r);
            ExactSum[] parts = ExactSum.of(7);
            for (int i = 0; i < values.size(); i++) parts[i % 7].add(values.get(i));
            ExactSum merged = new ExactSum();
            for (ExactSum p : parts) merged.add(p);
            assertEquals(expected, merged.value());
        }
    }

    @Test
    void cancellationAndTiesRoundAsTheExactSum() {
        ExactSum s = new ExactSum();
        for (double v : new double[]{1e100, 1.0, -1e100, 1e-100}) s.add(v);
        assertEquals(1.0, s.value());
        ExactSum tie = new ExactSum();
        // 1 + 2^-53 + 2^-106: above the halfway point, so it rounds up, which a sum that drops the last term would not
        for (double v : new double[]{1.0, 0x1p-53, 0x1p-106}) tie.add(v);
        assertEquals(Math.nextUp(1.0), tie.value());
        assertEquals(0.0, new ExactSum().value());
    }
}
