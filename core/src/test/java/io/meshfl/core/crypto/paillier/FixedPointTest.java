package io.meshfl.core.crypto.paillier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import java.math.BigInteger;
import java.security.SecureRandom;
import org.junit.jupiter.api.Test;

class FixedPointTest {
    private final PaillierKeyPair kp = Keys.k1024();
    private final BigInteger n = kp.pub().n();
    private final FixedPoint fp = new FixedPoint(kp.pub());

    /** What a 32-fractional-bit round trip must return: x rounded half-even to a multiple of 2^-32. */
    private static double quantized(double x, int fracBits) {
        return Math.scalb(Math.rint(Math.scalb(x, fracBits)), -fracBits);
    }

    @Test
    void roundTripQuantizesToTheFractionalBits() {
        SecureRandom rnd = Keys.seeded(41);
        double[] edges = {0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 0x1p-32, -0x1p-32, 0x1p-33, 0x1.8p-33, -0x1.8p-33, 0x1p-40,
            Double.MIN_VALUE, -Double.MIN_VALUE, 1e-300, 123456.789, -987654.321, 0x1p52, -0x1p60, 1e100, -1e135,
            0x1p478, -0x1p478, Math.PI, -Math.E};
        for (double x : edges) assertEquals(quantized(x, 32), fp.decode(fp.encode(x)), 0.0, () -> "x = " + x);
        for (int i = 0; i < 2000; i++) {
            double x = (rnd.nextDouble() - 0.5) * Math.pow(10, rnd.nextInt(40) - 20);
            assertEquals(quantized(x, 32), fp.decode(fp.encode(x)), 0.0, () -> "x = " + x);
        }
    }

    @Test
    void negativesWrapToNMinusTheMagnitude() {
        assertEquals(n.subtract(BigInteger.ONE.shiftLeft(32)), fp.encode(-1.0));
        assertEquals(n.subtract(BigInteger.ONE), fp.encode(-0x1p-32));
        assertEquals(BigInteger.ZERO, fp.encode(-0x1p-34));
        assertEquals(-1.0, fp.decode(n.subtract(BigInteger.ONE.shiftLeft(32))), 0.0);
        // the largest plaintext decodes as the smallest negative, half of n as the largest positive
        assertEquals(-0x1p-32, fp.decode(n.subtract(BigInteger.ONE)), 0.0);
        assertTrue(fp.decode(n.shiftRight(1)) > 0);
        assertTrue(fp.decode(n.shiftRight(1).add(BigInteger.ONE)) < 0);
    }

    @Test
    void nonFiniteAndTooLargeValuesAreRefused() {
        for (double x : new double[] {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY}) {
            MeshflException e = assertThrows(MeshflException.class, () -> fp.encode(x));
            assertEquals(ErrorCode.CRYPTO_FAILURE, e.code());
            assertTrue(e.getMessage().contains("finite"), e.getMessage());
            assertThrows(MeshflException.class, () -> fp.encodeLong(x));
        }
        // (1024 - 2) / 2 = 511 bits for the scaled magnitude: 2^479 * 2^32 is out, 2^478 in
        for (double x : new double[] {0x1p479, -0x1p479, Double.MAX_VALUE, -1e300}) {
            MeshflException e = assertThrows(MeshflException.class, () -> fp.encode(x));
            assertTrue(e.getMessage().contains("too large"), e.getMessage());
        }
        assertTrue(assertThrows(MeshflException.class, () -> fp.encodeLong(0x1p31)).getMessage().contains("64-bit"));
        assertThrows(MeshflException.class, () -> new FixedPoint(kp.pub(), 63));
        assertThrows(MeshflException.class, () -> fp.decode(n));
    }

    @Test
    void encodeLongRoundsToTheScaledInteger() {
        assertEquals(1L << 32, fp.encodeLong(1.0));
        assertEquals(-(3L << 31), fp.encodeLong(-1.5));
        assertEquals(0L, fp.encodeLong(0x1p-34));
        // half to even: 1.5 ulp rounds up to 2, 0.5 ulp and 2.5 ulp round to the even neighbour
        assertEquals(2L, fp.encodeLong(0x1.8p-32));
        assertEquals(0L, fp.encodeLong(0x1p-33));
        assertEquals(2L, fp.encodeLong(0x1.4p-31));
        assertEquals(((1L << 31) - 1) << 32, fp.encodeLong((1L << 31) - 1));
    }

    @Test
    void encryptedDotProductDecodesWithDoubleScale() {
        try (Encryptor enc = new Encryptor(kp.pub(), Keys.seeded(42), Encryptor.Options.withoutBackgroundThread())) {
            Decryptor dec = new Decryptor(kp.priv());
            Homomorphic he = new Homomorphic(kp.pub());
            SecureRandom rnd = Keys.seeded(43);
            int size = 50;
            BigInteger[] cs = new BigInteger[size];
            long[] ks = new long[size];
            double expected = 0;
            double[] d = new double[size];
            double[] x = new double[size];
            for (int i = 0; i < size; i++) {
                d[i] = rnd.nextGaussian() * 3;
                x[i] = rnd.nextGaussian() * 100;
                cs[i] = enc.encrypt(fp.encode(d[i]));
                ks[i] = fp.encodeLong(x[i]);
                expected += quantized(d[i], 32) * quantized(x[i], 32);
            }
            double got = fp.decode(dec.decrypt(he.sumProducts(cs, ks)), 2);
            assertEquals(expected, got, 1e-9 * Math.abs(expected) + 1e-12);
            // a plaintext multiple by a scaled multiplier also carries scale 2
            assertEquals(quantized(-2.25, 32) * 4.0, fp.decode(dec.decrypt(he.mulPlain(enc.encrypt(fp.encode(-2.25)),
                    BigInteger.valueOf(fp.encodeLong(4.0)))), 2), 0.0);
            // sums of encodings keep scale 1
            assertEquals(-0.75, fp.decode(dec.decrypt(he.add(enc.encrypt(fp.encode(0.25)), enc.encrypt(fp.encode(-1.0))))), 0.0);
        }
    }

    @Test
    void decodeOfHugeScaledValuesRoundsCorrectly() {
        // 2^600 + 1 at scale 2^64 is 2^536 plus a tiny bit: nearest double is 2^536
        BigInteger v = BigInteger.ONE.shiftLeft(600).add(BigInteger.ONE);
        FixedPoint wide = new FixedPoint(Keys.of(2048, 21).pub());
        assertEquals(0x1p536, wide.decode(v, 2), 0.0);
        BigInteger halfway = BigInteger.ONE.shiftLeft(600).add(BigInteger.ONE.shiftLeft(547));
        assertEquals(0x1p536, wide.decode(halfway, 2), 0.0);
        assertEquals(Math.nextUp(0x1p536), wide.decode(halfway.add(BigInteger.ONE), 2), 0.0);
    }
}
