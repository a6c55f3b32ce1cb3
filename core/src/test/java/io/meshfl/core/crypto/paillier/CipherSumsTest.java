package io.meshfl.core.crypto.paillier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.math.BigInteger;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class CipherSumsTest {

    /** The plain definition: multiply each bucket's ciphertexts modulo n^2, 1 for an empty bucket. */
    private static BigInteger[][] reference(PaillierPublicKey pk, BigInteger[] cts, int[] rows, byte[][] bucketOf, int buckets) {
        BigInteger[][] out = new BigInteger[bucketOf.length][buckets];
        for (int k = 0; k < bucketOf.length; k++) {
            Arrays.fill(out[k], BigInteger.ONE);
            for (int r : rows) {
                int b = bucketOf[k][r] & 0xFF;
                out[k][b] = out[k][b].multiply(cts[r]).mod(pk.nSquared());
            }
        }
        return out;
    }

    private static BigInteger[] encryptRandom(PaillierKeyPair kp, int count, long seed, BigInteger[] plains) {
        SecureRandom rnd = Keys.seeded(seed);
        try (Encryptor enc = new Encryptor(kp.pub(), rnd, Encryptor.Options.withoutBackgroundThread())) {
            BigInteger[] cts = new BigInteger[count];
            for (int i = 0; i < count; i++) {
                plains[i] = new BigInteger(kp.pub().bits() + 32, rnd).mod(kp.pub().n());
                cts[i] = enc.encrypt(plains[i]);
            }
            return cts;
        }
    }

    private static byte[][] randomBuckets(Random rnd, int keys, int rowCount, int used) {
        byte[][] bucketOf = new byte[keys][rowCount];
        for (byte[] row : bucketOf) for (int i = 0; i < rowCount; i++) row[i] = (byte) rnd.nextInt(used);
        return bucketOf;
    }

    private static int[] allRows(int count) {
        int[] rows = new int[count];
        for (int i = 0; i < count; i++) rows[i] = i;
        return rows;
    }

    private static void checkAgainstReference(PaillierKeyPair kp, int count, long seed) {
        PaillierPublicKey pk = kp.pub();
        BigInteger[] cts = encryptRandom(kp, count, seed, new BigInteger[count]);
        // the extremes of [0, n^2) put every limb at its largest and smallest
        cts[0] = pk.nSquared().subtract(BigInteger.ONE);
        cts[1] = BigInteger.ONE;
        cts[2] = pk.nSquared().subtract(BigInteger.TWO);
        CipherSums sums = new CipherSums(pk, cts);
        assertEquals(count, sums.size());
        Random rnd = new Random(seed);

        // 256 buckets of which only 200 are used: unsigned byte indices and empty buckets
        byte[][] wide = randomBuckets(rnd, 3, count, 200);
        int[] rows = allRows(count);
        assertDeepEquals(reference(pk, cts, rows, wide, 256), sums.sums(rows, wide, 256));

        byte[][] narrow = randomBuckets(rnd, 5, count, 4);
        int[] subset = rnd.ints(count / 3, 0, count).toArray();
        assertDeepEquals(reference(pk, cts, subset, narrow, 6), sums.sums(subset, narrow, 6));

        // many products in one bucket, starting from the all-ones-limbs extreme
        byte[][] single = new byte[1][count];
        assertDeepEquals(reference(pk, cts, rows, single, 1), sums.sums(rows, single, 1));

        int[] oneRow = {count - 1};
        BigInteger[][] got = sums.sums(oneRow, narrow, 6);
        assertDeepEquals(reference(pk, cts, oneRow, narrow, 6), got);
        assertEquals(cts[count - 1], got[0][narrow[0][count - 1] & 0xFF]);

        BigInteger[][] none = sums.sums(new int[0], narrow, 6);
        for (BigInteger[] key : none) for (BigInteger b : key) assertEquals(BigInteger.ONE, b);
        assertEquals(0, sums.sums(rows, new byte[0][], 6).length);
    }

    private static void assertDeepEquals(BigInteger[][] expected, BigInteger[][] actual) {
        assertEquals(expected.length, actual.length);
        for (int k = 0; k < expected.length; k++) assertArrayEquals(expected[k], actual[k], "key " + k);
    }

    @Test
    void sumsEqualBigIntegerProductsFor1024BitKeys() {
        checkAgainstReference(Keys.k1024(), 400, 71);
        checkAgainstReference(Keys.of(1024, 2), 60, 72);
    }

    @Test
    void sumsEqualBigIntegerProductsFor2048BitKeys() {
        checkAgainstReference(Keys.of(2048, 1), 120, 73);
    }

    @Test
    void sumsEqualBigIntegerProductsForOddModuliOfOtherSizes() {
        // sizes between and beyond the usual keys exercise the other limb widths and counts
        Random rnd = new Random(74);
        for (int bits : new int[] {1024, 1536, 1792, 3072}) {
            BigInteger n = new BigInteger(bits, rnd).setBit(bits - 1).setBit(0);
            PaillierPublicKey pk = new PaillierPublicKey(n);
            BigInteger[] cts = new BigInteger[50];
            for (int i = 0; i < cts.length; i++) cts[i] = new BigInteger(2 * bits + 64, rnd).mod(pk.nSquared());
            cts[7] = pk.nSquared().subtract(BigInteger.ONE);
            byte[][] bucketOf = randomBuckets(rnd, 2, cts.length, 3);
            int[] rows = allRows(cts.length);
            assertDeepEquals(reference(pk, cts, rows, bucketOf, 3), new CipherSums(pk, cts).sums(rows, bucketOf, 3));
        }
    }

    @Test
    void decryptedBucketSumIsSumOfPlaintexts() {
        PaillierKeyPair kp = Keys.k1024();
        int count = 150;
        BigInteger[] plains = new BigInteger[count];
        BigInteger[] cts = encryptRandom(kp, count, 75, plains);
        byte[][] bucketOf = randomBuckets(new Random(75), 2, count, 5);
        BigInteger[][] sums = new CipherSums(kp.pub(), cts).sums(allRows(count), bucketOf, 5);
        Decryptor dec = new Decryptor(kp.priv());
        for (int k = 0; k < bucketOf.length; k++) {
            for (int b = 0; b < 5; b++) {
                BigInteger expected = BigInteger.ZERO;
                for (int r = 0; r < count; r++) if (bucketOf[k][r] == b) expected = expected.add(plains[r]);
                assertEquals(expected.mod(kp.pub().n()), dec.decrypt(sums[k][b]), "key " + k + " bucket " + b);
            }
        }
    }

    @Test
    void laterChangesToTheInputArrayAreNotSeen() {
        PaillierKeyPair kp = Keys.k1024();
        BigInteger[] cts = encryptRandom(kp, 4, 76, new BigInteger[4]);
        BigInteger first = cts[0];
        CipherSums sums = new CipherSums(kp.pub(), cts);
        cts[0] = BigInteger.TWO;
        assertEquals(first, sums.sums(new int[] {0}, new byte[1][4], 1)[0][0]);
    }

    @Test
    void valuesOutsideZeroToNSquaredAreReducedFirst() {
        PaillierPublicKey pk = Keys.k1024().pub();
        BigInteger nsq = pk.nSquared();
        BigInteger[] cts = {nsq.add(BigInteger.valueOf(5)), BigInteger.valueOf(-3), nsq, nsq.shiftLeft(70).add(BigInteger.TEN)};
        byte[][] bucketOf = {{0, 0, 1, 2}};
        int[] rows = allRows(cts.length);
        assertDeepEquals(reference(pk, cts, rows, bucketOf, 3), new CipherSums(pk, cts).sums(rows, bucketOf, 3));
    }

    @Test
    void rowsOutsideTheArrayAreRejected() {
        PaillierKeyPair kp = Keys.k1024();
        CipherSums sums = new CipherSums(kp.pub(), encryptRandom(kp, 3, 77, new BigInteger[3]));
        assertThrows(IndexOutOfBoundsException.class, () -> sums.sums(new int[] {3}, new byte[1][4], 1));
        assertThrows(IndexOutOfBoundsException.class, () -> sums.sums(new int[] {-1}, new byte[1][4], 1));
    }
}
