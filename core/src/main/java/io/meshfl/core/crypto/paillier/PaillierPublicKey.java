package io.meshfl.core.crypto.paillier;

import static io.meshfl.core.ErrorCode.CRYPTO_FAILURE;

import io.meshfl.core.MeshflException;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * A Paillier public key: the modulus n, with generator g = n + 1 implied. Ciphertexts live in
 * (0, n^2) and plaintexts in [0, n).
 */
public final class PaillierPublicKey {
    /** Smallest and largest modulus sizes accepted, in bits. */
    public static final int MIN_BITS = 1024;
    public static final int MAX_BITS = 3072;
    private static final byte FORMAT_VERSION = 1;

    private final BigInteger n;
    private final BigInteger nSquared;
    private final ModNSquared modNSquared;

    public PaillierPublicKey(BigInteger n) {
        if (n == null || n.signum() <= 0 || !n.testBit(0)) {
            throw new MeshflException(CRYPTO_FAILURE, "Paillier modulus must be a positive odd integer");
        }
        checkBits(n.bitLength());
        this.n = n;
        this.nSquared = n.multiply(n);
        this.modNSquared = new ModNSquared(n);
    }

    static void checkBits(int bits) {
        if (bits < MIN_BITS || bits > MAX_BITS) {
            throw new MeshflException(CRYPTO_FAILURE,
                    "key of " + bits + " bits: allowed " + MIN_BITS + ".." + MAX_BITS);
        }
    }

    public BigInteger n() {
        return n;
    }

    public BigInteger nSquared() {
        return nSquared;
    }

    /** Size of n in bits. */
    public int bits() {
        return n.bitLength();
    }

    /** Byte length of n^2, hence the fixed width a ciphertext needs on the wire. */
    public int ciphertextBytes() {
        return (nSquared.bitLength() + 7) / 8;
    }

    /** Arithmetic modulo n^2 shared by everything that works with this key. */
    ModNSquared modNSquared() {
        return modNSquared;
    }

    /** Format: one version byte, then n as unsigned big-endian bytes. */
    public byte[] toBytes() {
        byte[] mag = n.toByteArray();
        int skip = mag[0] == 0 ? 1 : 0;
        byte[] out = new byte[1 + mag.length - skip];
        out[0] = FORMAT_VERSION;
        System.arraycopy(mag, skip, out, 1, mag.length - skip);
        return out;
    }

    public static PaillierPublicKey fromBytes(byte[] bytes) {
        if (bytes == null || bytes.length < 2) {
            throw new MeshflException(CRYPTO_FAILURE, "public key bytes: too short to hold a key");
        }
        if (bytes[0] != FORMAT_VERSION) {
            throw new MeshflException(CRYPTO_FAILURE,
                    "public key bytes: unknown format version " + bytes[0] + ", expected " + FORMAT_VERSION);
        }
        return new PaillierPublicKey(new BigInteger(1, Arrays.copyOfRange(bytes, 1, bytes.length)));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof PaillierPublicKey other && other.n.equals(n);
    }

    @Override
    public int hashCode() {
        return n.hashCode();
    }

    /** Size and a short fingerprint of n, enough to tell keys apart in a log. */
    @Override
    public String toString() {
        byte[] mag = n.toByteArray();
        return "PaillierPublicKey[" + bits() + " bits, n=" + HexFormat.of().formatHex(mag, mag.length - 6, mag.length) + "]";
    }
}
