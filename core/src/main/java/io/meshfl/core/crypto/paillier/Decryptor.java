package io.meshfl.core.crypto.paillier;

import static io.meshfl.core.ErrorCode.CRYPTO_FAILURE;

import io.meshfl.core.MeshflException;
import java.math.BigInteger;
import java.util.stream.IntStream;

/**
 * Paillier decryption by the Chinese remainder theorem (Paillier 1999, section 7):
 * m_p = L_p(c^(p-1) mod p^2) * hp mod p, m_q likewise, then m from m_p and m_q. Two
 * exponentiations with half-length exponents modulo half-length moduli replace one full one.
 * Thread-safe.
 */
public final class Decryptor {
    private final PaillierPrivateKey sk;
    private final io.meshfl.core.crypto.bigint.ModPow pow;

    /** A decryptor on this JVM's exponentiation engine (GMP where installed). */
    public Decryptor(PaillierPrivateKey sk) {
        this(sk, io.meshfl.core.crypto.bigint.ModPow.get());
    }

    /** A decryptor on a given engine (the engines give the same plaintexts; tests and benchmarks compare them). */
    public Decryptor(PaillierPrivateKey sk, io.meshfl.core.crypto.bigint.ModPow pow) {
        this.sk = sk;
        this.pow = pow;
    }

    public PaillierPublicKey publicKey() {
        return sk.publicKey();
    }

    /**
     * The plaintext in [0, n). Rejects values outside (0, n^2) and values sharing a factor
     * with n, which no encryption under this key produces.
     */
    public BigInteger decrypt(BigInteger c) {
        Homomorphic.checkCiphertext(c, sk.publicKey());
        BigInteger cp = c.mod(sk.pSquared);
        BigInteger cq = c.mod(sk.qSquared);
        if (cp.mod(sk.p).signum() == 0 || cq.mod(sk.q).signum() == 0) {
            throw new MeshflException(CRYPTO_FAILURE, "ciphertext is not a unit mod n^2: tampered or foreign ciphertext");
        }
        BigInteger mp = PaillierPrivateKey.l(pow.modPow(cp, sk.pMinusOne, sk.pSquared), sk.p).multiply(sk.hp).mod(sk.p);
        BigInteger mq = PaillierPrivateKey.l(pow.modPow(cq, sk.qMinusOne, sk.qSquared), sk.q).multiply(sk.hq).mod(sk.q);
        // Garner: m = mq + q * ((mp - mq) * q^-1 mod p)
        return mp.subtract(mq).multiply(sk.qInverseModP).mod(sk.p).multiply(sk.q).add(mq);
    }

    /** Decrypts every element, spread over the available cores. */
    public BigInteger[] decryptAll(BigInteger[] cs) {
        BigInteger[] out = new BigInteger[cs.length];
        IntStream.range(0, cs.length).parallel().forEach(i -> out[i] = decrypt(cs[i]));
        return out;
    }
}
