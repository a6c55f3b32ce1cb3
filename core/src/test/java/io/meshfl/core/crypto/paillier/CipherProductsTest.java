package io.meshfl.core.crypto.paillier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshfl.core.MeshflException;
import java.math.BigInteger;
import java.security.SecureRandom;
import java.util.Random;
import org.junit.jupiter.api.Test;

class CipherProductsTest {

    private static BigInteger[] encrypt(PaillierKeyPair kp, BigInteger[] plains, long seed) {
        SecureRandom rnd = Keys.seeded(seed);
        try (Encryptor enc = new Encryptor(kp.pub(), rnd, Encryptor.Options.withoutBackgroundThread())) {
            BigInteger[] cts = new BigInteger[plains.length];
            for (int i = 0; i < plains.length; i++) {
                plains[i] = new BigInteger(kp.pub().bits() + 32, rnd).mod(kp.pub().n());
                cts[i] = enc.encrypt(plains[i]);
            }
            return cts;
        }
    }

    /** Multipliers of every kind a feature column gives: both signs, zeros, and the extremes of a long. */
    private static long[][] vectors(int count, Random rnd) {
        long[][] ks = new long[9][count];
        for (int i = 0; i < count; i++) {
            ks[0][i] = (long) (rnd.nextGaussian() * (1L << 32)); // a standardized feature at 32 fractional bits
            ks[1][i] = Math.abs(ks[0][i]);
            ks[2][i] = rnd.nextInt(4) == 0 ? 0 : rnd.nextInt(1 << 20) - (1 << 19); // sparse, small
            ks[3][i] = rnd.nextLong();
            ks[4][i] = i % 3 == 0 ? Long.MIN_VALUE : i % 3 == 1 ? Long.MAX_VALUE : -1;
            ks[5][i] = 0;
            ks[6][i] = -(1L << 32); // the bias column, negated
            ks[7][i] = i == count - 1 ? -7 : 0; // one term
            ks[8][i] = 1;
        }
        return ks;
    }

    @Test
    void everyVectorGivesTheResidueOfTheTermByTermSumOfProducts() {
        PaillierKeyPair kp = Keys.k1024();
        Homomorphic he = new Homomorphic(kp.pub());
        Random rnd = new Random(3);
        for (int count : new int[] {1, 2, 37, 1_000}) {
            BigInteger[] plains = new BigInteger[count];
            BigInteger[] cts = encrypt(kp, plains, count);
            CipherProducts products = new CipherProducts(kp.pub(), cts);
            long[][] ks = vectors(count, rnd);
            BigInteger[] all = products.sumProducts(ks);
            Decryptor dec = new Decryptor(kp.priv());
            for (int j = 0; j < ks.length; j++) {
                BigInteger expected = he.sumProducts(cts, ks[j]);
                assertEquals(expected, all[j], "vector " + j + " over " + count);
                assertEquals(expected, products.sumProducts(ks[j]));
                BigInteger plain = BigInteger.ZERO;
                for (int i = 0; i < count; i++) plain = plain.add(BigInteger.valueOf(ks[j][i]).multiply(plains[i]));
                assertEquals(plain.mod(kp.pub().n()), dec.decrypt(all[j]), "plaintext of vector " + j);
            }
        }
    }

    @Test
    void aCiphertextThatIsNotAUnitIsRefusedWhenItWouldBeInverted() {
        PaillierKeyPair kp = Keys.k1024();
        BigInteger[] plains = new BigInteger[3];
        BigInteger[] cts = encrypt(kp, plains, 9);
        cts[1] = kp.pub().n(); // shares the factors of n^2
        CipherProducts products = new CipherProducts(kp.pub(), cts);
        assertEquals(new Homomorphic(kp.pub()).sumProducts(cts, new long[] {2, 3, 4}), products.sumProducts(new long[] {2, 3, 4}));
        MeshflException e = assertThrows(MeshflException.class, () -> products.sumProducts(new long[] {2, -3, 4}));
        assertTrue(e.getMessage().contains("not a unit"), e.getMessage());
        assertThrows(MeshflException.class, () -> new CipherProducts(kp.pub(), new BigInteger[] {kp.pub().nSquared()}));
        assertThrows(MeshflException.class, () -> products.sumProducts(new long[] {1, 2}));
    }

    @Test
    void theWindowGrowsWithTheNumberOfTerms() {
        int small = CipherProducts.window(100, 36);
        int large = CipherProducts.window(8_192, 36);
        assertTrue(small < large, small + " < " + large);
        assertTrue(large >= 8 && large <= 12, "about log2(terms) - 2 bits: " + large);
    }
}
