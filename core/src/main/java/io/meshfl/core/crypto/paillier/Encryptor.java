package io.meshfl.core.crypto.paillier;

import static io.meshfl.core.ErrorCode.CRYPTO_FAILURE;

import io.meshfl.core.MeshflException;
import io.meshfl.core.crypto.paillier.ModNSquared.Residue;
import java.lang.ref.Cleaner;
import java.math.BigInteger;
import java.security.SecureRandom;
import java.util.stream.IntStream;

/**
 * Paillier encryption with g = n + 1 and Damgard-Jurik-Nielsen randomness.
 *
 * <p>With g = n + 1, g^m = 1 + m*n mod n^2, so the plaintext costs one multiplication. The
 * randomness r^n for random r is replaced by hs^a, where hs = h^n mod n^2 for h = -x^2 mod n
 * and random x chosen once, and a is a short random exponent (n.bitLength()/2 bits by default, as
 * in DJN). hs^a comes from a {@link FixedBaseTable}, and a {@link RandomnessPool} precomputes it
 * in the background. Thread-safe; close it to stop the background thread.
 */
public final class Encryptor implements AutoCloseable {
    private static final Cleaner CLEANER = Cleaner.create();

    /**
     * Tuning of an encryptor.
     *
     * @param poolSize          randomness values kept ready by a background thread; 0 means no
     *                          thread, every encryption computes its own randomness
     * @param shortExponentBits length of the DJN exponent a; 0 means twice the key's security
     *                          strength (224 bits up to 2048-bit keys, 256 above), since the best
     *                          known search for a short exponent costs 2^(bits/2)
     * @param windowBits        digit width of the fixed-base table; 0 means 8 up to 2048-bit
     *                          keys and 7 above, keeping the table at about 25 MB or less
     */
    public record Options(int poolSize, int shortExponentBits, int windowBits) {
        /** Shorter exponents would fall below 112-bit security against exponent search. */
        public static final int MIN_SHORT_EXPONENT_BITS = 224;

        public Options {
            if (poolSize < 0) throw new MeshflException(CRYPTO_FAILURE, "poolSize " + poolSize + ": must be 0 or more");
            if (shortExponentBits != 0 && shortExponentBits < MIN_SHORT_EXPONENT_BITS) {
                throw new MeshflException(CRYPTO_FAILURE, "shortExponentBits " + shortExponentBits
                        + ": must be at least " + MIN_SHORT_EXPONENT_BITS + " (or 0 for the default)");
            }
            if (windowBits < 0 || windowBits > 12) {
                throw new MeshflException(CRYPTO_FAILURE, "windowBits " + windowBits + ": allowed 1..12 (or 0 for the default)");
            }
        }

        public static Options defaults() {
            return new Options(128, 0, 0);
        }

        /** No background thread: randomness is computed inside each encryption. */
        public static Options withoutBackgroundThread() {
            return new Options(0, 0, 0);
        }
    }

    private final PaillierPublicKey pk;
    private final ModNSquared mod;
    private final RandomnessPool pool;
    private final Cleaner.Cleanable cleanable;

    public Encryptor(PaillierPublicKey pk, SecureRandom rnd) {
        this(pk, rnd, Options.defaults());
    }

    public Encryptor(PaillierPublicKey pk, SecureRandom rnd, Options options) {
        this.pk = pk;
        this.mod = pk.modNSquared();
        BigInteger n = pk.n();
        int exponentBits = options.shortExponentBits() == 0 ? defaultExponentBits(n.bitLength()) : options.shortExponentBits();
        if (exponentBits > n.bitLength()) {
            throw new MeshflException(CRYPTO_FAILURE, "shortExponentBits " + exponentBits
                    + ": longer than the " + n.bitLength() + "-bit modulus");
        }
        int window = options.windowBits() != 0 ? options.windowBits() : n.bitLength() <= 2048 ? 8 : 7;
        BigInteger x;
        do {
            x = new BigInteger(n.bitLength() + 64, rnd).mod(n);
        } while (x.signum() == 0 || !x.gcd(n).equals(BigInteger.ONE));
        BigInteger h = n.subtract(x.multiply(x).mod(n));
        BigInteger hs = h.modPow(n, pk.nSquared());
        FixedBaseTable table = new FixedBaseTable(mod.split(hs), exponentBits, window, mod);
        // the refill thread must not reach this object, or an encryptor that is dropped without
        // close() would never become unreachable and the cleaner could not stop the thread
        this.pool = new RandomnessPool(() -> table.randomPower(rnd), options.poolSize());
        this.cleanable = CLEANER.register(this, pool::close);
    }

    public PaillierPublicKey publicKey() {
        return pk;
    }

    /**
     * Twice the security strength of an RSA-type modulus of {@code modulusBits} (NIST SP 800-57:
     * 2048 bits give 112, 3072 give 128; 1024-bit keys are held to the 2048-bit level too).
     */
    static int defaultExponentBits(int modulusBits) {
        return modulusBits <= 2048 ? Options.MIN_SHORT_EXPONENT_BITS : 256;
    }

    /** Encrypts m, which must lie in [0, n). */
    public BigInteger encrypt(BigInteger m) {
        return encryptWith(m, pool.next());
    }

    /** Encrypts every element, spread over the available cores. */
    public BigInteger[] encryptAll(BigInteger[] ms) {
        BigInteger[] out = new BigInteger[ms.length];
        IntStream.range(0, ms.length).parallel().forEach(i -> out[i] = encrypt(ms[i]));
        return out;
    }

    /** A fresh encryption of the same plaintext, unlinkable to c. */
    public BigInteger rerandomize(BigInteger c) {
        Homomorphic.checkCiphertext(c, pk);
        return mod.join(mod.mul(mod.split(c), pool.next()));
    }

    /** (1 + m*n) * r mod n^2. */
    BigInteger encryptWith(BigInteger m, Residue r) {
        BigInteger n = pk.n();
        if (m == null || m.signum() < 0 || m.compareTo(n) >= 0) {
            throw new MeshflException(CRYPTO_FAILURE, "plaintext out of range [0, n): encode negatives and reals with FixedPoint first");
        }
        return mod.timesOnePlusMN(r, m);
    }

    /** One randomness value hs^a, from the pool when it has one ready. */
    Residue nextRandomness() {
        return pool.next();
    }

    RandomnessPool pool() {
        return pool;
    }

    @Override
    public void close() {
        cleanable.clean();
    }
}
