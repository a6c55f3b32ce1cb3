package io.meshfl.core.crypto.paillier;

import static io.meshfl.core.ErrorCode.CRYPTO_FAILURE;

import io.meshfl.core.MeshflException;
import io.meshfl.core.crypto.paillier.ModNSquared.Residue;
import java.math.BigInteger;

/**
 * Operations on ciphertexts of one public key that act on the plaintexts mod n: sums,
 * plaintext offsets, plaintext multiples and sums of products. Results keep the randomness of
 * their inputs (a multiple by 0 is the constant 1); rerandomize with an {@link Encryptor} before a
 * result leaves the party whenever its form could reveal a plaintext multiplier.
 */
public final class Homomorphic {
    private final PaillierPublicKey pk;
    private final ModNSquared mod;

    public Homomorphic(PaillierPublicKey pk) {
        this.pk = pk;
        this.mod = pk.modNSquared();
    }

    public PaillierPublicKey publicKey() {
        return pk;
    }

    /** Enc(m1 + m2). */
    public BigInteger add(BigInteger c1, BigInteger c2) {
        checkCiphertext(c1, pk);
        checkCiphertext(c2, pk);
        return mod.mul(c1, c2);
    }

    /** Enc(m + k) for any integer k, as c * (1 + k*n) mod n^2. */
    public BigInteger addPlain(BigInteger c, BigInteger k) {
        checkCiphertext(c, pk);
        return mod.timesOnePlusMN(mod.split(c), k.mod(pk.n()));
    }

    /** Enc(k * m); a negative k goes through the inverse of c^|k|. */
    public BigInteger mulPlain(BigInteger c, BigInteger k) {
        checkCiphertext(c, pk);
        BigInteger t = c.modPow(k.abs(), pk.nSquared());
        return k.signum() < 0 ? inverse(t) : t;
    }

    /** Enc(-m). */
    public BigInteger neg(BigInteger c) {
        checkCiphertext(c, pk);
        return inverse(c);
    }

    /** Enc(sum of m_i); Enc(0) with randomness 1 for an empty array. */
    public BigInteger sum(BigInteger[] cs) {
        Residue acc = ModNSquared.ONE;
        for (BigInteger c : cs) {
            checkCiphertext(c, pk);
            acc = mod.mul(acc, mod.split(c));
        }
        return mod.join(acc);
    }

    /** Enc(sum of k_i * m_i), i.e. prod c_i^(k_i) mod n^2, by multi-exponentiation. */
    public BigInteger sumProducts(BigInteger[] cs, long[] ks) {
        checkLengths(cs.length, ks.length);
        Split split = new Split(cs.length);
        for (int i = 0; i < cs.length; i++) {
            checkCiphertext(cs[i], pk);
            // -Long.MIN_VALUE overflows back to itself, which read as unsigned is the right magnitude 2^63
            if (ks[i] != 0) split.add(cs[i], new long[] {Math.abs(ks[i])}, ks[i] < 0);
        }
        return split.combine();
    }

    /** Enc(sum of k_i * m_i) for multipliers of any size and sign. */
    public BigInteger sumProducts(BigInteger[] cs, BigInteger[] ks) {
        checkLengths(cs.length, ks.length);
        Split split = new Split(cs.length);
        for (int i = 0; i < cs.length; i++) {
            checkCiphertext(cs[i], pk);
            if (ks[i].signum() != 0) split.add(cs[i], MultiExp.words(ks[i].abs()), ks[i].signum() < 0);
        }
        return split.combine();
    }

    /**
     * Terms with positive and with negative multipliers, kept apart so that the negative ones
     * need one modular inverse of their joint product rather than one per ciphertext.
     */
    private final class Split {
        final BigInteger[] posBases;
        final long[][] posExps;
        final BigInteger[] negBases;
        final long[][] negExps;
        int pos;
        int neg;

        Split(int size) {
            posBases = new BigInteger[size];
            posExps = new long[size][];
            negBases = new BigInteger[size];
            negExps = new long[size][];
        }

        void add(BigInteger c, long[] magnitude, boolean negative) {
            if (negative) {
                negBases[neg] = c;
                negExps[neg++] = magnitude;
            } else {
                posBases[pos] = c;
                posExps[pos++] = magnitude;
            }
        }

        BigInteger combine() {
            BigInteger p = MultiExp.product(posBases, posExps, pos, mod);
            if (neg == 0) return p;
            BigInteger q = inverse(MultiExp.product(negBases, negExps, neg, mod));
            return mod.mul(p, q);
        }
    }

    private BigInteger inverse(BigInteger c) {
        try {
            return c.modInverse(pk.nSquared());
        } catch (ArithmeticException e) {
            throw new MeshflException(CRYPTO_FAILURE, "ciphertext is not a unit mod n^2: tampered or foreign ciphertext");
        }
    }

    private static void checkLengths(int cs, int ks) {
        if (cs != ks) {
            throw new MeshflException(CRYPTO_FAILURE, "sumProducts: " + cs + " ciphertexts but " + ks + " multipliers");
        }
    }

    /** Range check only: the full unit test needs the factors or a gcd, which costs as much as a multiplication. */
    static void checkCiphertext(BigInteger c, PaillierPublicKey pk) {
        if (c == null || c.signum() <= 0 || c.compareTo(pk.nSquared()) >= 0) {
            throw new MeshflException(CRYPTO_FAILURE, "ciphertext out of range (0, n^2): tampered or foreign ciphertext");
        }
    }
}
