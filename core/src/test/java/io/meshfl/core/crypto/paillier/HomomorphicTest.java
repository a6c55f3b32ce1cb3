package io.meshfl.core.crypto.paillier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshfl.core.MeshflException;
import java.math.BigInteger;
import java.security.SecureRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class HomomorphicTest {
    private static PaillierKeyPair kp;
    private static BigInteger n;
    private static BigInteger n2;
    private static Encryptor enc;
    private static Decryptor dec;
    private static Homomorphic he;

    @BeforeAll
    static void keys() {
        kp = Keys.k1024();
        n = kp.pub().n();
        n2 = kp.pub().nSquared();
        enc = new Encryptor(kp.pub(), Keys.seeded(31));
        dec = new Decryptor(kp.priv());
        he = new Homomorphic(kp.pub());
    }

    @AfterAll
    static void close() {
        enc.close();
    }

    private static BigInteger randomPlain(SecureRandom rnd) {
        return new BigInteger(n.bitLength() + 32, rnd).mod(n);
    }

    @Test
    void addAndAddPlainAddPlaintextsModN() {
        SecureRandom rnd = Keys.seeded(32);
        for (int i = 0; i < 60; i++) {
            BigInteger a = i == 0 ? n.subtract(BigInteger.ONE) : randomPlain(rnd);
            BigInteger b = i == 0 ? BigInteger.TWO : randomPlain(rnd);
            BigInteger ca = enc.encrypt(a);
            assertEquals(a.add(b).mod(n), dec.decrypt(he.add(ca, enc.encrypt(b))));
            assertEquals(a.add(b).mod(n), dec.decrypt(he.addPlain(ca, b)));
            BigInteger negative = BigInteger.valueOf(rnd.nextLong());
            assertEquals(a.add(negative).mod(n), dec.decrypt(he.addPlain(ca, negative)));
            assertEquals(he.addPlain(ca, b), ca.multiply(BigInteger.ONE.add(b.multiply(n))).mod(n2));
        }
    }

    @Test
    void mulPlainAndNegMultiplyPlaintextsModN() {
        SecureRandom rnd = Keys.seeded(33);
        for (int i = 0; i < 40; i++) {
            BigInteger a = randomPlain(rnd);
            BigInteger ca = enc.encrypt(a);
            BigInteger[] ks = {BigInteger.ZERO, BigInteger.ONE, BigInteger.ONE.negate(), BigInteger.valueOf(rnd.nextInt()),
                BigInteger.valueOf(rnd.nextLong()), new BigInteger(600, rnd).negate(), randomPlain(rnd)};
            for (BigInteger k : ks) assertEquals(a.multiply(k).mod(n), dec.decrypt(he.mulPlain(ca, k)), k::toString);
            assertEquals(a.negate().mod(n), dec.decrypt(he.neg(ca)));
            assertEquals(BigInteger.ZERO, dec.decrypt(he.add(ca, he.neg(ca))));
        }
    }

    @Test
    void sumAddsAllPlaintexts() {
        SecureRandom rnd = Keys.seeded(34);
        BigInteger[] ms = new BigInteger[37];
        BigInteger expected = BigInteger.ZERO;
        for (int i = 0; i < ms.length; i++) {
            ms[i] = randomPlain(rnd);
            expected = expected.add(ms[i]);
        }
        assertEquals(expected.mod(n), dec.decrypt(he.sum(enc.encryptAll(ms))));
        assertEquals(BigInteger.ONE, he.sum(new BigInteger[0]));
    }

    private static BigInteger naiveProduct(BigInteger[] cs, BigInteger[] ks) {
        BigInteger acc = BigInteger.ONE;
        for (int i = 0; i < cs.length; i++) {
            BigInteger base = ks[i].signum() < 0 ? cs[i].modInverse(n2) : cs[i];
            acc = acc.multiply(base.modPow(ks[i].abs(), n2)).mod(n2);
        }
        return acc;
    }

    @Test
    void sumProductsEqualsNaiveProductOfPowersForRandomSizes() {
        SecureRandom rnd = Keys.seeded(35);
        // random units stand in for ciphertexts: the identity is about the group, and encrypting 300 values per size would dominate the run
        BigInteger[] pool = new BigInteger[300];
        for (int i = 0; i < pool.length; i++) pool[i] = new BigInteger(n2.bitLength() + 32, rnd).mod(n2);
        int[] sizes = {1, 2, 3, 5, 8, 17, 40, 99, 150, 300};
        for (int trial = 0; trial < sizes.length + 6; trial++) {
            int size = trial < sizes.length ? sizes[trial] : 1 + rnd.nextInt(300);
            BigInteger[] cs = new BigInteger[size];
            long[] ks = new long[size];
            BigInteger[] bigKs = new BigInteger[size];
            for (int i = 0; i < size; i++) {
                cs[i] = pool[rnd.nextInt(pool.length)];
                int kind = rnd.nextInt(6);
                ks[i] = kind == 0 ? 0 : kind == 1 ? -(rnd.nextInt() & 0x7fffffffL) : kind == 2 ? rnd.nextInt() : (rnd.nextInt() & 0xffffffffL);
                bigKs[i] = BigInteger.valueOf(ks[i]);
            }
            BigInteger expected = naiveProduct(cs, bigKs);
            assertEquals(expected, he.sumProducts(cs, ks), "size " + size);
            assertEquals(expected, he.sumProducts(cs, bigKs), "size " + size);
        }
    }

    @Test
    void sumProductsHandlesLongAndHugeMultipliers() {
        SecureRandom rnd = Keys.seeded(36);
        BigInteger[] cs = new BigInteger[30];
        for (int i = 0; i < cs.length; i++) cs[i] = new BigInteger(n2.bitLength() + 32, rnd).mod(n2);
        long[] ks = new long[cs.length];
        BigInteger[] big = new BigInteger[cs.length];
        for (int i = 0; i < cs.length; i++) {
            ks[i] = i == 0 ? Long.MIN_VALUE : i == 1 ? Long.MAX_VALUE : i == 2 ? -1 : rnd.nextLong();
            big[i] = new BigInteger(1 + rnd.nextInt(1100), rnd);
            if (rnd.nextBoolean()) big[i] = big[i].negate();
        }
        BigInteger[] longAsBig = new BigInteger[cs.length];
        for (int i = 0; i < cs.length; i++) longAsBig[i] = BigInteger.valueOf(ks[i]);
        assertEquals(naiveProduct(cs, longAsBig), he.sumProducts(cs, ks));
        assertEquals(naiveProduct(cs, big), he.sumProducts(cs, big));
        assertEquals(BigInteger.ONE, he.sumProducts(cs, new long[cs.length]));
        assertEquals(BigInteger.ONE, he.sumProducts(new BigInteger[0], new long[0]));
    }

    @Test
    void sumProductsDecryptsToTheSignedDotProduct() {
        SecureRandom rnd = Keys.seeded(37);
        int size = 120;
        BigInteger[] ms = new BigInteger[size];
        long[] ks = new long[size];
        BigInteger dot = BigInteger.ZERO;
        for (int i = 0; i < size; i++) {
            ms[i] = BigInteger.valueOf(rnd.nextInt(1 << 30));
            ks[i] = rnd.nextInt();
            dot = dot.add(ms[i].multiply(BigInteger.valueOf(ks[i])));
        }
        assertEquals(dot.mod(n), dec.decrypt(he.sumProducts(enc.encryptAll(ms), ks)));
    }

    @Test
    void malformedInputsAreRefused() {
        BigInteger c = enc.encrypt(BigInteger.ONE);
        assertThrows(MeshflException.class, () -> he.add(c, n2));
        assertThrows(MeshflException.class, () -> he.add(BigInteger.ZERO, c));
        assertTrue(assertThrows(MeshflException.class, () -> he.sumProducts(new BigInteger[] {c}, new long[2]))
                .getMessage().contains("1 ciphertexts but 2 multipliers"));
        assertTrue(assertThrows(MeshflException.class, () -> he.neg(kp.priv().p))
                .getMessage().contains("not a unit"));
        assertThrows(MeshflException.class, () -> he.sumProducts(new BigInteger[] {c, kp.priv().q}, new long[] {1, -3}));
    }

    @Test
    void windowChoiceFallsBackToExponentiationForFewTerms() {
        assertEquals(0, MultiExp.bestWindow(1, 32));
        assertTrue(MultiExp.bestWindow(10_000, 32) >= 6);
    }
}
