package io.meshfl.core.crypto.paillier;

import static io.meshfl.core.ErrorCode.CRYPTO_FAILURE;

import io.meshfl.core.MeshflException;
import java.math.BigInteger;
import java.security.SecureRandom;

/** A Paillier key pair, and its generation. */
public record PaillierKeyPair(PaillierPublicKey pub, PaillierPrivateKey priv) {
    /** Modulus size used when none is given: about 112-bit security. */
    public static final int DEFAULT_BITS = 2048;

    public static PaillierKeyPair generate(SecureRandom rnd) {
        return generate(DEFAULT_BITS, rnd);
    }

    /**
     * Generates n = p*q of exactly {@code bits} bits from two primes of bits/2 bits each.
     * {@code bits} must be a multiple of 256 in 1024..3072.
     */
    public static PaillierKeyPair generate(int bits, SecureRandom rnd) {
        PaillierPublicKey.checkBits(bits);
        if (bits % 256 != 0) {
            throw new MeshflException(CRYPTO_FAILURE, "key of " + bits + " bits: must be a multiple of 256");
        }
        int half = bits / 2;
        while (true) {
            BigInteger p = Primes.random(half, rnd);
            BigInteger q = Primes.random(half, rnd);
            // primes this close would let Fermat's method factor n
            if (p.subtract(q).abs().bitLength() < half - 100) continue;
            PaillierPrivateKey priv = new PaillierPrivateKey(p, q);
            return new PaillierKeyPair(priv.publicKey(), priv);
        }
    }
}
