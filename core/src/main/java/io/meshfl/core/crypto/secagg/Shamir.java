package io.meshfl.core.crypto.secagg;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Shamir t-of-n secret sharing of 32-byte secrets (self-mask seeds and X25519 secret keys) over
 * GF(p), p = 2^521 - 1, a Mersenne prime well above any 256-bit secret, so a secret is one field
 * element and no encoding tricks are needed. Any {@code t} shares rebuild the secret; any
 * {@code t - 1} are uniformly distributed whatever the secret was.
 */
public final class Shamir {

    /** 2^521 - 1. */
    public static final BigInteger PRIME = BigInteger.ONE.shiftLeft(521).subtract(BigInteger.ONE);
    public static final int SECRET_BYTES = 32;
    private static final int Y_BYTES = 66;
    private static final BigInteger SECRET_BOUND = BigInteger.ONE.shiftLeft(8 * SECRET_BYTES);

    private Shamir() {
    }

    /**
     * One share: the polynomial's value {@code y} at {@code x} (a holder's position, never 0), and
     * the {@code threshold} it was made with so that a short set is refused rather than silently
     * rebuilt into garbage.
     */
    public record Share(int x, int threshold, BigInteger y) {
        public Share {
            if (x < 1) {
                throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "share field 'x' must be at least 1, got " + x);
            }
            if (threshold < 1) {
                throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "share field 'threshold' must be at least 1, got " + threshold);
            }
            if (y == null || y.signum() < 0 || y.compareTo(PRIME) >= 0) {
                throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "share field 'y' for x=" + x + " is not an element of GF(2^521-1)");
            }
        }

        /** 74 bytes: x, threshold, y (big-endian, 66 bytes). */
        public byte[] toBytes() {
            byte[] yb = y.toByteArray();
            ByteBuffer b = ByteBuffer.allocate(8 + Y_BYTES).putInt(x).putInt(threshold);
            int len = Math.min(yb.length, Y_BYTES);
            b.position(8 + Y_BYTES - len).put(yb, yb.length - len, len);
            return b.array();
        }

        public static Share fromBytes(byte[] bytes) {
            if (bytes == null || bytes.length != 8 + Y_BYTES) {
                throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "an encoded share is " + (8 + Y_BYTES) + " bytes, got "
                        + (bytes == null ? "null" : bytes.length));
            }
            ByteBuffer b = ByteBuffer.wrap(bytes);
            int x = b.getInt();
            int t = b.getInt();
            byte[] yb = new byte[Y_BYTES];
            b.get(yb);
            return new Share(x, t, new BigInteger(1, yb));
        }

        @Override
        public String toString() {
            // y stays out of logs
            return "Share[x=" + x + ", threshold=" + threshold + "]";
        }
    }

    /** Splits {@code secret} so that any {@code threshold} of the shares at {@code xs} rebuild it. */
    public static List<Share> share(byte[] secret, int threshold, int[] xs, SecureRandom random) {
        if (secret == null || secret.length != SECRET_BYTES) {
            throw new MeshflException(ErrorCode.CRYPTO_FAILURE, "a shared secret must be " + SECRET_BYTES + " bytes, got "
                    + (secret == null ? "null" : secret.length));
        }
        if (threshold < 1 || threshold > xs.length) {
            throw new MeshflException(ErrorCode.CRYPTO_FAILURE, "threshold " + threshold + " must be in 1.." + xs.length
                    + " for " + xs.length + " shares");
        }
        Set<Integer> seen = new HashSet<>();
        for (int x : xs) {
            if (x < 1) {
                throw new MeshflException(ErrorCode.CRYPTO_FAILURE, "share position x=" + x + " must be at least 1 (x=0 is the secret)");
            }
            if (!seen.add(x)) {
                throw new MeshflException(ErrorCode.CRYPTO_FAILURE, "share position x=" + x + " appears twice");
            }
        }
        BigInteger[] coef = new BigInteger[threshold];
        coef[0] = new BigInteger(1, secret);
        for (int i = 1; i < threshold; i++) {
            coef[i] = randomElement(random);
        }
        List<Share> out = new ArrayList<>(xs.length);
        for (int x : xs) {
            out.add(new Share(x, threshold, evaluate(coef, BigInteger.valueOf(x))));
        }
        return out;
    }

    /**
     * Rebuilds the secret from at least {@code threshold} shares. Shares beyond the threshold are
     * checked against the polynomial the first ones define, so a corrupted share is named instead
     * of yielding a wrong key.
     */
    public static byte[] reconstruct(List<Share> shares) {
        if (shares == null || shares.isEmpty()) {
            throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "no shares to reconstruct from");
        }
        int t = shares.get(0).threshold();
        Set<Integer> xs = new HashSet<>();
        for (Share s : shares) {
            if (s.threshold() != t) {
                throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "shares disagree on the threshold (" + t + " vs "
                        + s.threshold() + " at x=" + s.x() + "): they belong to different secrets");
            }
            if (!xs.add(s.x())) {
                throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "duplicate share for x=" + s.x());
            }
        }
        if (shares.size() < t) {
            throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "too few shares: the secret needs " + t + ", got " + shares.size());
        }
        BigInteger secret;
        if (shares.size() == t + 1) {
            // the server's usual case (threshold plus one share): one pass checks and rebuilds
            secret = checkedSecret(shares);
        } else {
            List<Share> basis = shares.subList(0, t);
            for (Share extra : shares.subList(t, shares.size())) {
                if (!interpolate(basis, BigInteger.valueOf(extra.x())).equals(extra.y())) {
                    throw inconsistent(extra);
                }
            }
            secret = interpolate(basis, BigInteger.ZERO);
        }
        if (secret.compareTo(SECRET_BOUND) >= 0) {
            throw new MeshflException(ErrorCode.PROTOCOL_FAILURE,
                    "shares do not rebuild a " + SECRET_BYTES + "-byte secret: corrupted or mixed shares");
        }
        return toSecretBytes(secret);
    }

    private static MeshflException inconsistent(Share extra) {
        return new MeshflException(ErrorCode.PROTOCOL_FAILURE, "share at x=" + extra.x()
                + " is inconsistent with the others: corrupted or from another secret");
    }

    /**
     * The secret behind {@code threshold + 1} shares, checking the last against the others, with
     * barycentric weights {@code w_i = 1 / prod_{j != i} (x_i - x_j)}: the shares lie on one
     * polynomial of degree below the threshold iff the leading coefficient {@code sum w_i y_i} of
     * the polynomial through all of them is 0, and then its value at 0 is
     * {@code sum w_i y_i prod_{j != i} (-x_j)}. That is one batch inversion instead of the two
     * full interpolations of checking the extra share and then rebuilding from the others.
     */
    private static BigInteger checkedSecret(List<Share> shares) {
        int m = shares.size();
        long[] diff = new long[m];
        long[] toZero = new long[m];
        BigInteger[] den = new BigInteger[m];
        for (int i = 0; i < m; i++) toZero[i] = -shares.get(i).x();
        for (int i = 0; i < m; i++) {
            long xi = shares.get(i).x();
            for (int j = 0; j < m; j++) diff[j] = xi - shares.get(j).x();
            den[i] = product(diff, i);
        }
        BigInteger[] w = invertAll(den);
        BigInteger lead = BigInteger.ZERO;
        BigInteger secret = BigInteger.ZERO;
        for (int i = 0; i < m; i++) {
            BigInteger yw = mulMod(shares.get(i).y(), w[i]);
            lead = lead.add(yw);
            secret = secret.add(mulMod(yw, product(toZero, i)));
        }
        if (reduce(lead).signum() != 0) {
            throw inconsistent(shares.get(m - 1));
        }
        return reduce(secret);
    }

    /** The inverses of non-zero field elements with one modular inversion (Montgomery's trick). */
    private static BigInteger[] invertAll(BigInteger[] v) {
        int n = v.length;
        BigInteger[] prefix = new BigInteger[n];
        BigInteger run = BigInteger.ONE;
        for (int i = 0; i < n; i++) {
            prefix[i] = run;
            run = mulMod(run, v[i]);
        }
        BigInteger inv = run.modInverse(PRIME);
        BigInteger[] out = new BigInteger[n];
        for (int i = n - 1; i >= 0; i--) {
            out[i] = mulMod(inv, prefix[i]);
            inv = mulMod(inv, v[i]);
        }
        return out;
    }

    /** {@code a * b mod p} for field elements. */
    private static BigInteger mulMod(BigInteger a, BigInteger b) {
        return reduce(a.multiply(b));
    }

    /**
     * {@code v mod p} for {@code v >= 0}: since 2^521 = 1 mod p, the bits above 521 fold onto the
     * low ones with a shift and an add, several times cheaper than BigInteger's division.
     */
    static BigInteger reduce(BigInteger v) {
        while (v.bitLength() > 521) {
            v = v.and(PRIME).add(v.shiftRight(521));
        }
        return v.compareTo(PRIME) >= 0 ? v.subtract(PRIME) : v;
    }

    /** The value at {@code x} of the lowest-degree polynomial through the given shares, without any threshold check. */
    static BigInteger interpolate(List<Share> shares, BigInteger x) {
        int t = shares.size();
        long at = x.longValueExact();
        long[] toX = new long[t];
        long[] diff = new long[t];
        BigInteger[] num = new BigInteger[t];
        BigInteger[] den = new BigInteger[t];
        for (int i = 0; i < t; i++) toX[i] = at - shares.get(i).x();
        for (int i = 0; i < t; i++) {
            long xi = shares.get(i).x();
            for (int j = 0; j < t; j++) diff[j] = xi - shares.get(j).x();
            num[i] = product(toX, i);
            den[i] = product(diff, i);
        }
        // one modular inversion for all denominators: an inversion in GF(2^521-1) costs as much
        // as dozens of multiplications, and a server rebuilds a secret per client and round
        BigInteger[] invDen = invertAll(den);
        BigInteger acc = BigInteger.ZERO;
        for (int i = 0; i < t; i++) {
            acc = acc.add(mulMod(mulMod(shares.get(i).y(), num[i]), invDen[i]));
        }
        acc = reduce(acc);
        return acc;
    }

    /**
     * The product mod p of {@code factors} except the one at {@code skip}. Positions are small, so
     * most factors multiply in a {@code long}; only on overflow does the running product move into
     * a BigInteger, which keeps the O(t^2) Lagrange products cheap.
     */
    private static BigInteger product(long[] factors, int skip) {
        BigInteger acc = BigInteger.ONE;
        long run = 1;
        for (int j = 0; j < factors.length; j++) {
            if (j == skip) {
                continue;
            }
            long hi = Math.multiplyHigh(run, factors[j]);
            long lo = run * factors[j];
            if ((hi == 0 && lo >= 0) || (hi == -1 && lo < 0)) {
                run = lo;
            } else {
                acc = acc.multiply(BigInteger.valueOf(run));
                run = factors[j];
            }
        }
        return acc.multiply(BigInteger.valueOf(run)).mod(PRIME);
    }

    static byte[] toSecretBytes(BigInteger v) {
        byte[] raw = v.toByteArray();
        byte[] out = new byte[SECRET_BYTES];
        int len = Math.min(raw.length, SECRET_BYTES);
        System.arraycopy(raw, raw.length - len, out, SECRET_BYTES - len, len);
        return out;
    }

    private static BigInteger evaluate(BigInteger[] coef, BigInteger x) {
        BigInteger acc = BigInteger.ZERO;
        for (int i = coef.length - 1; i >= 0; i--) {
            acc = reduce(acc.multiply(x).add(coef[i]));
        }
        return acc;
    }

    private static BigInteger randomElement(SecureRandom random) {
        while (true) {
            BigInteger r = new BigInteger(521, random);
            if (r.compareTo(PRIME) < 0) {
                return r;
            }
        }
    }
}
