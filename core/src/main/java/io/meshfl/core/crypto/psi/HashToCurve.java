package io.meshfl.core.crypto.psi;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import org.bouncycastle.crypto.digests.SHA512Digest;
import org.bouncycastle.math.ec.rfc7748.X25519Field;

import java.nio.charset.StandardCharsets;

/**
 * Hashes an entity key to a point of Curve25519, given by its Montgomery u-coordinate in the
 * 32-byte little-endian X25519 encoding.
 *
 * <p>The hash is {@code map_to_curve(hash_to_field(key))} of RFC 9380 suite
 * {@code curve25519_XMD:SHA-512_ELL2_NU_} (expand_message_xmd with SHA-512, one field element
 * from 48 bytes, then the straight-line Elligator 2 map) with the domain-separation tag
 * {@value #DST}. The suite's last step, {@code clear_cofactor} (multiplying by 8), is left to
 * the blinding: every X25519 scalar is clamped to a multiple of 8, {@code a = 8a'} with
 * {@code 2^251 <= a' < 2^252 < l} (the prime group order), so {@code a*Q = a'*(8Q)} is the RFC
 * {@code encode_to_curve} point blinded by the nonzero scalar {@code a' mod l}. Every blinded
 * value therefore lies in the prime-order subgroup, and two keys meet after blinding exactly
 * when their RFC points agree up to sign, which for distinct keys happens with negligible
 * probability. Only the u-coordinate is kept, so {@code P} and {@code -P} are one value; X25519
 * scalar multiplication is well defined on that quotient and still commutes.
 *
 * <p>The map runs in constant time with respect to the key (square test by exponentiation,
 * constant-time inversion and selection), since entity keys are private data of the domain.
 */
public final class HashToCurve {
    /** Domain-separation tag of MeshFL's PSI hash; a new protocol version needs a new tag. */
    public static final String DST = "MESHFL-PSI-V1";

    private static final int A = 486662;
    /** Bytes of uniform output per field element: ceil((255 + 128) / 8). */
    private static final int L = 48;
    /** SHA-512 state after the 128-byte all-zero Z_pad block, which is one full block. */
    private static final SHA512Digest ZPAD_STATE = zpadState();
    private static final HashToCurve MESHFL = new HashToCurve(DST.getBytes(StandardCharsets.US_ASCII));
    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);
    /** Keys per batch of {@link #prepare} / {@link #finishBatch}: a scratch holds this many fractions. */
    static final int BATCH = 64;

    private final byte[] dstPrime;

    HashToCurve(byte[] dst) {
        if (dst.length == 0 || dst.length > 255) {
            throw new MeshflException(ErrorCode.CRYPTO_FAILURE,
                    "hash-to-curve tag must be 1 to 255 bytes, got " + dst.length);
        }
        dstPrime = new byte[dst.length + 1];
        System.arraycopy(dst, 0, dstPrime, 0, dst.length);
        dstPrime[dst.length] = (byte) dst.length;
    }

    /** The instance with MeshFL's tag {@value #DST}. */
    static HashToCurve meshfl() {
        return MESHFL;
    }

    /**
     * Writes the u-coordinate of the point for {@code key} (the UTF-8 bytes of a string key)
     * to {@code out32[offset..offset+32)}.
     */
    public static void hash(byte[] key, byte[] out32, int offset) {
        if (key == null) {
            throw new MeshflException(ErrorCode.CRYPTO_FAILURE, "hash-to-curve got a null key");
        }
        if (out32 == null || offset < 0 || offset > out32.length - 32) {
            throw new MeshflException(ErrorCode.CRYPTO_FAILURE,
                    "hash-to-curve output needs 32 bytes at offset " + offset + " of "
                            + (out32 == null ? "a null array" : out32.length + " bytes"));
        }
        MESHFL.hash(SCRATCH.get(), key, 0, key.length, out32, offset);
    }

    void hash(Scratch s, byte[] msg, int off, int len, byte[] out, int outOff) {
        hashToField(s, msg, off, len, s.r);
        map(s, s.r, out, outOff);
    }

    /**
     * The first half of {@link #hash} for slot {@code slot} of a batch: the key's point as a
     * fraction {@code xn / xd} kept in the scratch; {@link #finishBatch} then writes the slots'
     * points with one inversion for all of them.
     */
    void prepare(Scratch s, byte[] msg, int off, int len, int slot) {
        hashToField(s, msg, off, len, s.r);
        fraction(s, s.r);
        X25519Field.copy(s.xn, 0, s.batchXn[slot], 0);
        X25519Field.copy(s.xd, 0, s.batchXd[slot], 0);
    }

    /**
     * Writes the points of slots {@code [0, count)} to {@code out[outOff + 32i ..)}: the same bytes as
     * {@link #hash} key by key, with the denominators inverted together (Montgomery's trick: their
     * running products, one constant-time inversion, then a product back per slot; no denominator
     * is zero, so none can spoil the batch).
     */
    static void finishBatch(Scratch s, int count, byte[] out, int outOff) {
        int[][] xn = s.batchXn, xd = s.batchXd, prefix = s.batchPrefix;
        int[] inv = s.t0, one = s.e0;
        X25519Field.copy(xd[0], 0, prefix[0], 0);
        for (int i = 1; i < count; i++) X25519Field.mul(prefix[i - 1], xd[i], prefix[i]);
        X25519Field.inv(prefix[count - 1], inv);
        for (int i = count - 1; i >= 0; i--) {
            if (i > 0) {
                X25519Field.mul(inv, prefix[i - 1], one);       // 1 / xd[i]
                X25519Field.mul(inv, xd[i], inv);               // 1 / (xd[0] ... xd[i-1])
            } else {
                X25519Field.copy(inv, 0, one, 0);
            }
            X25519Field.mul(xn[i], one, one);
            X25519Field.normalize(one);
            X25519Field.encode(one, out, outOff + 32 * i);
        }
    }

    /** RFC 9380 hash_to_field with count 1: expand_message_xmd to 48 bytes, read big-endian, reduce mod p. */
    void hashToField(Scratch s, byte[] msg, int off, int len, int[] r) {
        SHA512Digest d = s.digest;
        d.reset(ZPAD_STATE);
        d.update(msg, off, len);
        d.update((byte) 0);          // I2OSP(48, 2)
        d.update((byte) L);
        d.update((byte) 0);          // I2OSP(0, 1)
        d.update(dstPrime, 0, dstPrime.length);
        d.doFinal(s.b0, 0);
        d.update(s.b0, 0, 64);
        d.update((byte) 1);
        d.update(dstPrime, 0, dstPrime.length);
        d.doFinal(s.b1, 0);

        // value = hi * 2^256 + lo with hi the first 16 bytes; 2^256 = 38 and 2^255 = 19 (mod p)
        byte[] b = s.b1, lo = s.lo, hi = s.hi;
        for (int i = 0; i < 32; i++) {
            lo[i] = b[L - 1 - i];
        }
        for (int i = 0; i < 16; i++) {
            hi[i] = b[15 - i];
        }
        int top = (lo[31] >>> 7) & 1;
        X25519Field.decode(lo, 0, r);            // drops bit 255
        X25519Field.decode(hi, 0, s.t0);
        X25519Field.mul(s.t0, 38, s.t0);
        X25519Field.add(r, s.t0, r);
        r[0] += 19 * top;
        X25519Field.carry(r);
    }

    /**
     * Elligator 2 onto Curve25519 (RFC 9380 appendix G.2.1) reduced to the u-coordinate:
     * {@code x1 = -A / (1 + 2r^2)}; if {@code g(x1)} is not a square, {@code x2 = 2r^2 * x1}.
     */
    static void map(Scratch s, int[] r, byte[] out, int outOff) {
        fraction(s, r);
        int[] t = s.t0, xn = s.xn;
        X25519Field.inv(s.xd, t);
        X25519Field.mul(xn, t, xn);
        X25519Field.normalize(xn);
        X25519Field.encode(xn, out, outOff);
    }

    /** The Elligator 2 point of {@code r} as the fraction {@code s.xn / s.xd}, before the inversion. */
    private static void fraction(Scratch s, int[] r) {
        int[] tv1 = s.tv1, xd = s.xd, gx1 = s.gx1, t = s.t0, xn = s.xn, x2n = s.x2n;
        X25519Field.sqr(r, tv1);
        X25519Field.mul(tv1, 2, tv1);               // 2r^2
        X25519Field.copy(tv1, 0, xd, 0);
        X25519Field.addOne(xd);                     // never 0: -1 is a square mod p, 2r^2 is not
        X25519Field.sqr(xd, t);                     // xd^2
        // g(x1) = (x1n^3 + A x1n^2 xd + x1n xd^2) / xd^3; with x1n = -A the numerator is -A (xd^2 - A^2 * 2r^2)
        X25519Field.mul(tv1, A, gx1);
        X25519Field.mul(gx1, A, gx1);
        X25519Field.sub(t, gx1, gx1);
        X25519Field.carry(gx1);
        X25519Field.mul(gx1, A, gx1);
        X25519Field.negate(gx1, gx1);
        // g(x1) = gx1 / xd^3 is a square iff gx1 * xd is
        X25519Field.mul(gx1, xd, t);
        int square = isSquare(s, t);
        X25519Field.zero(xn);
        xn[0] = A;
        X25519Field.negate(xn, xn);                 // x1n = -A
        X25519Field.mul(tv1, A, x2n);
        X25519Field.negate(x2n, x2n);               // x2n = x1n * 2r^2
        X25519Field.cmov(~square, x2n, 0, xn, 0);
    }

    /** -1 when {@code z} is a square (zero included), else 0: Euler's criterion {@code z^((p-1)/2)}. */
    static int isSquare(Scratch s, int[] z) {
        int[] z2 = s.e0, z11 = s.e1, a = s.e2, b = s.e3, c = s.e4;
        X25519Field.sqr(z, z2);                      // z^2
        X25519Field.sqr(z2, 2, a);                   // z^8
        X25519Field.mul(z, a, a);                    // z^9
        X25519Field.mul(z2, a, z11);                 // z^11
        X25519Field.sqr(z11, b);                     // z^22
        X25519Field.mul(a, b, a);                    // z^(2^5-1)
        X25519Field.sqr(a, 5, b);
        X25519Field.mul(a, b, a);                    // z^(2^10-1)
        X25519Field.sqr(a, 10, b);
        X25519Field.mul(a, b, b);                    // z^(2^20-1)
        X25519Field.sqr(b, 20, c);
        X25519Field.mul(b, c, b);                    // z^(2^40-1)
        X25519Field.sqr(b, 10, b);
        X25519Field.mul(a, b, a);                    // z^(2^50-1)
        X25519Field.sqr(a, 50, b);
        X25519Field.mul(a, b, b);                    // z^(2^100-1)
        X25519Field.sqr(b, 100, c);
        X25519Field.mul(b, c, b);                    // z^(2^200-1)
        X25519Field.sqr(b, 50, b);
        X25519Field.mul(a, b, a);                    // z^(2^250-1)
        X25519Field.sqr(a, 2, a);
        X25519Field.mul(z, a, a);                    // z^(2^252-3)
        X25519Field.sqr(a, 2, a);
        X25519Field.mul(z2, a, a);                   // z^(2^254-10) = z^((p-1)/2)
        X25519Field.normalize(a);
        return X25519Field.isOne(a) | X25519Field.isZero(a);
    }

    private static SHA512Digest zpadState() {
        SHA512Digest d = new SHA512Digest();
        d.update(new byte[128], 0, 128);
        return d;
    }

    /** Per-thread working memory, so hashing a batch allocates nothing per key. */
    static final class Scratch {
        final SHA512Digest digest = new SHA512Digest();
        final byte[] b0 = new byte[64];
        final byte[] b1 = new byte[64];
        final byte[] lo = new byte[32];
        final byte[] hi = new byte[32];
        final int[] r = X25519Field.create();
        final int[] tv1 = X25519Field.create();
        final int[] xd = X25519Field.create();
        final int[] gx1 = X25519Field.create();
        final int[] xn = X25519Field.create();
        final int[] x2n = X25519Field.create();
        final int[] t0 = X25519Field.create();
        final int[] e0 = X25519Field.create();
        final int[] e1 = X25519Field.create();
        final int[] e2 = X25519Field.create();
        final int[] e3 = X25519Field.create();
        final int[] e4 = X25519Field.create();
        final int[][] batchXn = field(BATCH);
        final int[][] batchXd = field(BATCH);
        final int[][] batchPrefix = field(BATCH);

        private static int[][] field(int n) {
            int[][] a = new int[n][];
            for (int i = 0; i < n; i++) a[i] = X25519Field.create();
            return a;
        }
    }
}
