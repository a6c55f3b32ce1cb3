package io.meshfl.core.crypto.paillier;

import static io.meshfl.core.ErrorCode.CRYPTO_FAILURE;

import io.meshfl.core.MeshflException;
import java.math.BigInteger;

/**
 * A Paillier private key: the primes p and q with the values CRT decryption needs (Paillier 1999,
 * section 7): p^2, q^2, hp = L_p(g^(p-1) mod p^2)^-1 mod p, hq likewise, and q^-1 mod p.
 */
public final class PaillierPrivateKey {
    private final PaillierPublicKey publicKey;
    final BigInteger p;
    final BigInteger q;
    final BigInteger pSquared;
    final BigInteger qSquared;
    final BigInteger pMinusOne;
    final BigInteger qMinusOne;
    final BigInteger hp;
    final BigInteger hq;
    final BigInteger qInverseModP;

    PaillierPrivateKey(BigInteger p, BigInteger q) {
        if (p.equals(q)) throw new MeshflException(CRYPTO_FAILURE, "Paillier primes p and q must differ");
        this.publicKey = new PaillierPublicKey(p.multiply(q));
        this.p = p;
        this.q = q;
        this.pSquared = p.multiply(p);
        this.qSquared = q.multiply(q);
        this.pMinusOne = p.subtract(BigInteger.ONE);
        this.qMinusOne = q.subtract(BigInteger.ONE);
        BigInteger g = publicKey.n().add(BigInteger.ONE);
        this.hp = l(g.modPow(pMinusOne, pSquared), p).modInverse(p);
        this.hq = l(g.modPow(qMinusOne, qSquared), q).modInverse(q);
        this.qInverseModP = q.modInverse(p);
    }

    /** Paillier's L function on the subgroup of elements that are 1 mod prime. */
    static BigInteger l(BigInteger x, BigInteger prime) {
        return x.subtract(BigInteger.ONE).divide(prime);
    }

    public PaillierPublicKey publicKey() {
        return publicKey;
    }

    /** Never prints the primes. */
    @Override
    public String toString() {
        return "PaillierPrivateKey[for " + publicKey + "]";
    }
}
