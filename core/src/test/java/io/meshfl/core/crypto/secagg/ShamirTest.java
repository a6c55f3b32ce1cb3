package io.meshfl.core.crypto.secagg;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ShamirTest {

    private static final SecureRandom RND = new SecureRandom();

    private static byte[] secret() {
        byte[] s = new byte[32];
        RND.nextBytes(s);
        s[0] |= (byte) 0x80; // exercise the top bit
        return s;
    }

    @Test
    void everySubsetOfThresholdSizeReconstructs() {
        byte[] s = secret();
        int[] xs = {1, 2, 3, 4, 5, 6, 7};
        List<Shamir.Share> shares = Shamir.share(s, 4, xs, RND);
        int count = 0;
        for (List<Shamir.Share> subset : subsets(shares, 4)) {
            assertArrayEquals(s, Shamir.reconstruct(subset));
            count++;
        }
        assertEquals(35, count);
        assertArrayEquals(s, Shamir.reconstruct(shares), "all seven, with the extra three checked");
    }

    @Test
    void fewerThanThresholdIsRefusedAndRevealsNothing() {
        byte[] s = secret();
        List<Shamir.Share> shares = Shamir.share(s, 4, new int[]{3, 8, 9, 12, 20, 21}, RND);
        long[] value = Shamir.chunks(s);
        for (List<Shamir.Share> subset : subsets(shares, 3)) {
            var e = assertThrows(MeshflException.class, () -> Shamir.reconstruct(subset));
            assertEquals(ErrorCode.PROTOCOL_FAILURE, e.code());
            assertEquals("too few shares: the secret needs 4, got 3", e.getMessage());
            // interpolating anyway gives some other field element: 3 points fix no degree-3 polynomial
            assertFalse(java.util.Arrays.equals(value, Shamir.interpolate(subset, 0)));
        }
    }

    @Test
    void thresholdMinusOneSharesFitEverySecret() {
        // for any candidate secret there is a polynomial through the t-1 shares and it: holding
        // t-1 shares rules out nothing
        byte[] s = secret();
        List<Shamir.Share> shares = Shamir.share(s, 3, new int[]{1, 2, 3, 4}, RND);
        List<Shamir.Share> two = shares.subList(0, 2);
        for (int k = 0; k < 5; k++) {
            byte[] candidate = secret();
            List<Shamir.Share> forged = new ArrayList<>(two);
            // per chunk, the point (0, candidate chunk) plus the two shares define a polynomial; its
            // value at x = 5 completes a threshold set that reconstructs the candidate
            long[] at0 = Shamir.chunks(candidate);
            long[] y5 = new long[Shamir.CHUNKS];
            for (int c = 0; c < Shamir.CHUNKS; c++) {
                y5[c] = lagrangeThrough(two, c, BigInteger.valueOf(at0[c]), BigInteger.valueOf(5)).longValueExact();
            }
            forged.add(new Shamir.Share(5, 3, y5));
            assertArrayEquals(candidate, Shamir.reconstruct(forged));
        }
    }

    @Test
    void duplicatesMixturesAndCorruptionAreNamed() {
        byte[] s = secret();
        List<Shamir.Share> shares = Shamir.share(s, 2, new int[]{1, 2, 3}, RND);
        var e = assertThrows(MeshflException.class, () -> Shamir.reconstruct(List.of(shares.get(0), shares.get(0))));
        assertEquals("duplicate share for x=1", e.getMessage());
        List<Shamir.Share> other = Shamir.share(secret(), 3, new int[]{1, 2, 3}, RND);
        e = assertThrows(MeshflException.class, () -> Shamir.reconstruct(List.of(shares.get(0), other.get(1))));
        assertTrue(e.getMessage().startsWith("shares disagree on the threshold"), e.getMessage());
        long[] off = shares.get(2).y();
        off[0] = (off[0] + 1) % Shamir.PRIME;
        Shamir.Share bad = new Shamir.Share(3, 2, off);
        e = assertThrows(MeshflException.class, () -> Shamir.reconstruct(List.of(shares.get(0), shares.get(1), bad)));
        assertTrue(e.getMessage().startsWith("share at x=3 is inconsistent"), e.getMessage());
        e = assertThrows(MeshflException.class, () -> Shamir.reconstruct(List.of(shares.get(0), bad)));
        assertTrue(e.getMessage().contains("do not rebuild a 32-byte secret"), e.getMessage());
    }

    @Test
    void splittingIsValidated() {
        assertThrows(MeshflException.class, () -> Shamir.share(new byte[31], 2, new int[]{1, 2}, RND));
        assertThrows(MeshflException.class, () -> Shamir.share(new byte[32], 3, new int[]{1, 2}, RND));
        var e = assertThrows(MeshflException.class, () -> Shamir.share(new byte[32], 2, new int[]{1, 1, 2}, RND));
        assertTrue(e.getMessage().contains("x=1 appears twice"), e.getMessage());
        assertThrows(MeshflException.class, () -> Shamir.share(new byte[32], 2, new int[]{0, 1}, RND));
    }

    @Test
    void sharesRoundTripThroughBytesAndKeepTheirValueOutOfToString() {
        List<Shamir.Share> shares = Shamir.share(secret(), 2, new int[]{7, 9}, RND);
        for (Shamir.Share sh : shares) {
            assertEquals(48, sh.toBytes().length);
            assertEquals(sh, Shamir.Share.fromBytes(sh.toBytes()));
            assertFalse(sh.toString().contains(Long.toString(sh.y()[0])));
        }
        assertTrue(BigInteger.valueOf(Shamir.PRIME).isProbablePrime(64));
        byte[] bytes = shares.get(0).toBytes();
        bytes[8] = (byte) 0xff; // an element above p
        assertThrows(MeshflException.class, () -> Shamir.Share.fromBytes(bytes));
    }

    @Test
    void secretsSplitIntoChunksAndBack() {
        byte[] ones = new byte[32];
        java.util.Arrays.fill(ones, (byte) 0xff);
        for (byte[] s : List.of(new byte[32], ones, secret(), secret())) {
            long[] c = Shamir.chunks(s);
            for (long v : c) {
                assertTrue(v >= 0 && v < 1L << 52);
            }
            assertArrayEquals(s, Shamir.fromChunks(c));
        }
    }

    @Test
    void fieldArithmeticMatchesBigInteger() {
        BigInteger p = BigInteger.valueOf(Shamir.PRIME);
        long[] samples = {0, 1, 2, Shamir.PRIME - 1, Shamir.PRIME - 2, 1L << 60, (1L << 61) - 3, 123456789012345L};
        for (long a : samples) {
            for (long b : samples) {
                assertEquals(BigInteger.valueOf(a).multiply(BigInteger.valueOf(b)).mod(p).longValueExact(), Shamir.mul(a, b));
                assertEquals(BigInteger.valueOf(a).add(BigInteger.valueOf(b)).mod(p).longValueExact(), Shamir.add(a, b));
                assertEquals(BigInteger.valueOf(a).subtract(BigInteger.valueOf(b)).mod(p).longValueExact(), Shamir.sub(a, b));
            }
            if (a != 0) {
                assertEquals(1, Shamir.mul(a, Shamir.inverse(a)));
            }
        }
        for (int k = 0; k < 10_000; k++) {
            long a = (RND.nextLong() >>> 3) % Shamir.PRIME;
            long b = (RND.nextLong() >>> 3) % Shamir.PRIME;
            assertEquals(BigInteger.valueOf(a).multiply(BigInteger.valueOf(b)).mod(p).longValueExact(), Shamir.mul(a, b));
        }
    }

    /** The value at x of chunk {@code chunk}'s polynomial through the given shares and the point (0, at0). */
    private static BigInteger lagrangeThrough(List<Shamir.Share> shares, int chunk, BigInteger at0, BigInteger x) {
        List<BigInteger[]> pts = new ArrayList<>();
        pts.add(new BigInteger[]{BigInteger.ZERO, at0});
        for (Shamir.Share s : shares) {
            pts.add(new BigInteger[]{BigInteger.valueOf(s.x()), BigInteger.valueOf(s.y()[chunk])});
        }
        BigInteger p = BigInteger.valueOf(Shamir.PRIME);
        BigInteger acc = BigInteger.ZERO;
        for (int i = 0; i < pts.size(); i++) {
            BigInteger num = BigInteger.ONE, den = BigInteger.ONE;
            for (int j = 0; j < pts.size(); j++) {
                if (i != j) {
                    num = num.multiply(x.subtract(pts.get(j)[0])).mod(p);
                    den = den.multiply(pts.get(i)[0].subtract(pts.get(j)[0])).mod(p);
                }
            }
            acc = acc.add(pts.get(i)[1].multiply(num).multiply(den.modInverse(p))).mod(p);
        }
        return acc;
    }

    private static List<List<Shamir.Share>> subsets(List<Shamir.Share> all, int size) {
        List<List<Shamir.Share>> out = new ArrayList<>();
        for (int mask = 0; mask < 1 << all.size(); mask++) {
            if (Integer.bitCount(mask) == size) {
                List<Shamir.Share> s = new ArrayList<>();
                for (int i = 0; i < all.size(); i++) {
                    if ((mask & 1 << i) != 0) {
                        s.add(all.get(i));
                    }
                }
                out.add(s);
            }
        }
        return out;
    }
}
