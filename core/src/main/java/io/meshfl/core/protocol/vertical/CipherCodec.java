package io.meshfl.core.protocol.vertical;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;

import java.math.BigInteger;

/** Arrays of non-negative big integers (ciphertexts, plaintexts) as fixed-width big-endian bytes. */
public final class CipherCodec {

    private CipherCodec() {
    }

    public static int width(BigInteger modulus) {
        return (modulus.bitLength() + 7) / 8;
    }

    public static byte[] pack(BigInteger[] values, BigInteger modulus) {
        int w = width(modulus);
        byte[] out = new byte[w * values.length];
        for (int i = 0; i < values.length; i++) {
            byte[] b = values[i].toByteArray();
            int skip = b.length > w ? b.length - w : 0; // a leading sign byte
            if (b.length - skip > w || values[i].signum() < 0) {
                throw new MeshflException(ErrorCode.CRYPTO_FAILURE, "value " + i + " does not fit " + w + " bytes");
            }
            System.arraycopy(b, skip, out, (i + 1) * w - (b.length - skip), b.length - skip);
        }
        return out;
    }

    /** Unpacks and checks every value is below {@code modulus}: a tampered or foreign payload is refused here. */
    public static BigInteger[] unpack(byte[] bytes, BigInteger modulus, String what) {
        int w = width(modulus);
        if (bytes.length % w != 0) {
            throw new MeshflException(ErrorCode.CRYPTO_FAILURE, what + ": " + bytes.length + " bytes is not a whole number of "
                    + w + "-byte values (wrong key size?)");
        }
        BigInteger[] out = new BigInteger[bytes.length / w];
        byte[] buf = new byte[w + 1];
        for (int i = 0; i < out.length; i++) {
            System.arraycopy(bytes, i * w, buf, 1, w);
            BigInteger v = new BigInteger(buf);
            if (v.compareTo(modulus) >= 0) {
                throw new MeshflException(ErrorCode.CRYPTO_FAILURE, what + ": value " + i + " is out of range for the key");
            }
            out[i] = v;
        }
        return out;
    }

    public static byte[] packDoubles(double[] v) {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(8 * v.length);
        b.asDoubleBuffer().put(v);
        return b.array();
    }

    public static double[] unpackDoubles(byte[] bytes, String what) {
        if (bytes.length % 8 != 0) {
            throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, what + ": " + bytes.length + " bytes is not a whole number of doubles");
        }
        double[] v = new double[bytes.length / 8];
        java.nio.ByteBuffer.wrap(bytes).asDoubleBuffer().get(v);
        return v;
    }
}
