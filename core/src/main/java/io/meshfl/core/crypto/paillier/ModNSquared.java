package io.meshfl.core.crypto.paillier;

import java.math.BigInteger;

/**
 * Multiplication modulo n^2 on numbers held as two base-n digits, x = hi * n + lo.
 *
 * <p>(a1 n + a0)(b1 n + b0) = (a1 b0 + a0 b1 + floor(a0 b0 / n)) n + (a0 b0 mod n) mod n^2, so
 * a product modulo the 4096-bit n^2 becomes three 2048-bit products and two Barrett reductions
 * modulo n. Operands of n's size stay below BigInteger's Karatsuba threshold and run in its
 * multiply intrinsic; this measures about 1.5 times faster than Barrett reduction modulo n^2 and
 * close to one Montgomery step of BigInteger.modPow, which cannot be called for a single product.
 */
final class ModNSquared {
    /** hi * n + lo with lo and hi in [0, n). */
    record Residue(BigInteger lo, BigInteger hi) {
    }

    static final Residue ONE = new Residue(BigInteger.ONE, BigInteger.ZERO);

    private final BigInteger n;
    private final BigInteger nSquared;
    private final Barrett modN;

    ModNSquared(BigInteger n) {
        this.n = n;
        this.nSquared = n.multiply(n);
        this.modN = new Barrett(n);
    }

    BigInteger nSquared() {
        return nSquared;
    }

    /** The digits of x in [0, n^2). */
    Residue split(BigInteger x) {
        BigInteger[] qr = modN.divRem(x);
        return new Residue(qr[1], qr[0]);
    }

    BigInteger join(Residue r) {
        return r.hi().multiply(n).add(r.lo());
    }

    Residue mul(Residue a, Residue b) {
        BigInteger[] carryLow = modN.divRem(a.lo().multiply(b.lo()));
        BigInteger high = a.hi().multiply(b.lo()).add(a.lo().multiply(b.hi())).add(carryLow[0]);
        return new Residue(carryLow[1], modN.reduce(high));
    }

    Residue square(Residue a) {
        BigInteger[] carryLow = modN.divRem(a.lo().multiply(a.lo()));
        BigInteger high = a.hi().multiply(a.lo()).shiftLeft(1).add(carryLow[0]);
        return new Residue(carryLow[1], modN.reduce(high));
    }

    Residue squareTimes(Residue a, int times) {
        Residue r = a;
        for (int i = 0; i < times; i++) r = square(r);
        return r;
    }

    /** a * b mod n^2 for a, b in [0, n^2). */
    BigInteger mul(BigInteger a, BigInteger b) {
        return join(mul(split(a), split(b)));
    }

    /** (1 + m n) * r mod n^2 = (r1 + m r0 mod n) n + r0: adding a plaintext costs one product mod n. */
    BigInteger timesOnePlusMN(Residue r, BigInteger m) {
        return join(new Residue(r.lo(), modN.reduce(m.multiply(r.lo()).add(r.hi()))));
    }
}
