package io.meshfl.core.crypto.psi;

import java.math.BigInteger;

/** Slow, obviously correct Curve25519 arithmetic on BigInteger, the yardstick for the fast code. */
final class Curve25519Reference {
    static final BigInteger P = BigInteger.TWO.pow(255).subtract(BigInteger.valueOf(19));
    static final BigInteger A = BigInteger.valueOf(486662);

    private Curve25519Reference() {
    }

    static boolean isSquare(BigInteger z) {
        return z.mod(P).signum() == 0 || z.modPow(P.subtract(BigInteger.ONE).shiftRight(1), P).equals(BigInteger.ONE);
    }

    /** g(x) = x^3 + A x^2 + x. */
    static BigInteger g(BigInteger x) {
        return x.pow(3).add(A.multiply(x.pow(2))).add(x).mod(P);
    }

    /** x-coordinate of Elligator 2 (RFC 9380 section 6.7.1 with Z = 2). */
    static BigInteger elligator2(BigInteger r) {
        BigInteger tv = BigInteger.TWO.multiply(r.pow(2)).mod(P);
        BigInteger x1 = A.negate().multiply(BigInteger.ONE.add(tv).modInverse(P)).mod(P);
        return isSquare(g(x1)) ? x1 : x1.negate().subtract(A).mod(P);
    }

    /** x of 2Q from x of Q (x-only doubling); null for the point at infinity. */
    static BigInteger dbl(BigInteger x) {
        BigInteger den = BigInteger.valueOf(4).multiply(x).multiply(x.pow(2).add(A.multiply(x)).add(BigInteger.ONE)).mod(P);
        if (den.signum() == 0) {
            return null;
        }
        return x.pow(2).subtract(BigInteger.ONE).pow(2).multiply(den.modInverse(P)).mod(P);
    }

    static BigInteger fromLittleEndian(byte[] b, int off) {
        byte[] be = new byte[32];
        for (int i = 0; i < 32; i++) {
            be[i] = b[off + 31 - i];
        }
        return new BigInteger(1, be);
    }

    static byte[] toLittleEndian(BigInteger v) {
        byte[] out = new byte[32];
        byte[] be = v.toByteArray();
        for (int i = 0; i < 32 && i < be.length; i++) {
            out[i] = be[be.length - 1 - i];
        }
        return out;
    }
}
