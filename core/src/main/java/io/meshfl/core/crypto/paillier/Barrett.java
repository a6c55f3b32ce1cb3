package io.meshfl.core.crypto.paillier;

import java.math.BigInteger;

/**
 * Division by a fixed modulus m through a precomputed reciprocal (Barrett reduction): two
 * multiplications instead of a long division, which measures several times faster at 2048 bits.
 * Accepts 0 <= x < 4 m^2, enough for a sum of two products of residues plus a carry.
 */
final class Barrett {
    /** Extra reciprocal precision so that inputs up to 2^(2k+2) keep the quotient estimate within 3. */
    private static final int EXTRA = 2;

    private final BigInteger m;
    private final int k;
    private final BigInteger mu;

    Barrett(BigInteger m) {
        this.m = m;
        this.k = m.bitLength();
        this.mu = BigInteger.ONE.shiftLeft(2 * k + EXTRA).divide(m);
    }

    /** {floor(x / m), x mod m}. */
    BigInteger[] divRem(BigInteger x) {
        BigInteger q = x.shiftRight(k - 1).multiply(mu).shiftRight(k + 1 + EXTRA);
        BigInteger r = x.subtract(q.multiply(m));
        while (r.compareTo(m) >= 0) {
            r = r.subtract(m);
            q = q.add(BigInteger.ONE);
        }
        return new BigInteger[] {q, r};
    }

    BigInteger reduce(BigInteger x) {
        BigInteger q = x.shiftRight(k - 1).multiply(mu).shiftRight(k + 1 + EXTRA);
        BigInteger r = x.subtract(q.multiply(m));
        while (r.compareTo(m) >= 0) r = r.subtract(m);
        return r;
    }
}
