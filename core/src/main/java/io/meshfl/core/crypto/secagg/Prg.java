package io.meshfl.core.crypto.secagg;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;

import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.GeneralSecurityException;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Expands a 32-byte seed into a mask vector over a {@link Ring}: the AES-256-CTR key stream
 * under key = seed and a zero counter block, read little-endian, 4 bytes per element for rings
 * of at most 32 bits and 8 bytes otherwise. Since 2^bits divides 2^32 or 2^64, the elements
 * are exactly uniform; every seed is used for one vector only, so a fixed IV is safe.
 *
 * <p>The key stream comes from the JDK's AES, which uses the CPU's AES instructions where
 * present: on the 2-core build machine one 100,000-element mask over Z_{2^32} takes about 0.06 ms
 * once the JIT has compiled the AES intrinsics and 0.5 to 1 ms before that, in the first few
 * hundred masks of a JVM ({@code PrgTest} logs the figure after 50 masks of warm-up).
 */
public final class Prg {

    public static final int SEED_BYTES = 32;
    /** Slices of a vector start at multiples of this many elements: one AES block of 32-bit elements, two of 64-bit ones. */
    static final int ALIGN = 4;
    /** Below this many elements in all, {@link #applyAll} stays on one core: a task costs more than it saves. */
    private static final long PARALLEL_MIN = 1L << 18;
    private static final int CHUNK_BYTES = 16 * 1024;
    /** CTR input: the key stream is the encryption of zeros. Only ever read. */
    private static final byte[] ZEROS = new byte[CHUNK_BYTES];
    /**
     * Key-stream buffer per thread: a client expands one mask per neighbour and the coordinator one
     * per node, and fresh buffers each time came to over 100 MB of garbage per 100-node round.
     */
    private static final ThreadLocal<byte[]> STREAM = ThreadLocal.withInitial(() -> new byte[CHUNK_BYTES]);
    private static final VarHandle INT_LE = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle LONG_LE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private Prg() {
    }

    /** The mask of {@code length} ring elements that {@code seed} expands to. */
    public static long[] expand(byte[] seed, int length, Ring ring) {
        long[] out = new long[length];
        apply(out, seed, ring, false);
        return out;
    }

    /** {@code acc += PRG(seed)}, or {@code acc -= PRG(seed)} if {@code subtract}, in place and without an intermediate vector. */
    public static void apply(long[] acc, byte[] seed, Ring ring, boolean subtract) {
        applyRange(acc, 0, acc.length, seed, ring, subtract);
    }

    /**
     * As {@link #apply} for the elements {@code from..to-1} only, reading the key stream from
     * the element at {@code from} on (CTR mode can start at any block), so that disjoint slices
     * of one vector can be masked on different cores. {@code from} must start a key-stream block
     * (a multiple of {@link #ALIGN}) unless it is 0.
     */
    static void applyRange(long[] acc, int from, int to, byte[] seed, Ring ring, boolean subtract) {
        boolean narrow = ring.bits() <= 32;
        int width = narrow ? 4 : 8;
        if (from % ALIGN != 0 || from < 0 || to > acc.length || from > to) {
            throw new IllegalArgumentException("slice " + from + ".." + to + " of " + acc.length + " is not block-aligned");
        }
        Cipher aes = cipher(seed, (long) from * width / 16);
        long mask = ring.mask();
        byte[] stream = STREAM.get();
        int i = from;
        while (i < to) {
            int n = Math.min(to - i, CHUNK_BYTES / width);
            try {
                aes.update(ZEROS, 0, n * width, stream, 0);
            } catch (GeneralSecurityException e) {
                throw new MeshflException(ErrorCode.CRYPTO_FAILURE, "AES-CTR key stream failed: " + e.getMessage(), e);
            }
            for (int k = 0; k < n; k++, i++) {
                long r = narrow ? Integer.toUnsignedLong((int) INT_LE.get(stream, k * 4)) : (long) LONG_LE.get(stream, k * 8);
                acc[i] = (subtract ? acc[i] - r : acc[i] + r) & mask;
            }
        }
    }

    /**
     * {@code acc += PRG(seeds[k])} for every k ({@code -=} where {@code subtract[k]}), spread over
     * the machine's cores by slices of the vector: each core runs every seed's key stream over its
     * own slice, so no core needs a vector of its own and nothing is merged. The coordinator uses
     * this to remove one self mask per node in the sum.
     */
    public static void applyAll(long[] acc, List<byte[]> seeds, boolean[] subtract, Ring ring) {
        if (seeds.size() != subtract.length) {
            throw new IllegalArgumentException(seeds.size() + " seeds but " + subtract.length + " signs");
        }
        int parts = (int) Math.min(Runtime.getRuntime().availableProcessors(), Math.max(1, (long) acc.length * seeds.size() / PARALLEL_MIN));
        int slice = ((acc.length + parts - 1) / parts + ALIGN - 1) / ALIGN * ALIGN;
        IntStream.range(0, parts).parallel().forEach(p -> {
            int from = Math.min(acc.length, p * slice);
            int to = Math.min(acc.length, from + slice);
            for (int k = 0; k < subtract.length; k++) {
                applyRange(acc, from, to, seeds.get(k), ring, subtract[k]);
            }
        });
    }

    /** A deterministic stream of bounded integers from a public seed, for choices every party must make alike. */
    static final class Stream {
        private final Cipher aes;
        private final byte[] zeros = new byte[64];
        private final byte[] buf = new byte[64];
        private int pos = buf.length;

        Stream(byte[] seed) {
            this.aes = cipher(seed);
        }

        int nextInt() {
            if (pos == buf.length) {
                try {
                    aes.update(zeros, 0, zeros.length, buf, 0);
                } catch (GeneralSecurityException e) {
                    throw new MeshflException(ErrorCode.CRYPTO_FAILURE, "AES-CTR key stream failed: " + e.getMessage(), e);
                }
                pos = 0;
            }
            int v = (int) INT_LE.get(buf, pos);
            pos += 4;
            return v;
        }

        /** Uniform in {@code [0, bound)}, by rejection so that no value is favoured. */
        int nextInt(int bound) {
            long limit = (1L << 32) - ((1L << 32) % bound);
            while (true) {
                long v = Integer.toUnsignedLong(nextInt());
                if (v < limit) {
                    return (int) (v % bound);
                }
            }
        }
    }

    private static Cipher cipher(byte[] seed) {
        return cipher(seed, 0);
    }

    /** AES-256-CTR under {@code seed} with the counter at {@code block} (the IV is the big-endian block number). */
    private static Cipher cipher(byte[] seed, long block) {
        if (seed == null || seed.length != SEED_BYTES) {
            throw new MeshflException(ErrorCode.CRYPTO_FAILURE, "a PRG seed must be " + SEED_BYTES + " bytes, got "
                    + (seed == null ? "null" : seed.length));
        }
        try {
            Cipher c = Cipher.getInstance("AES/CTR/NoPadding");
            c.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(seed, "AES"), new IvParameterSpec(ByteBuffer.allocate(16).putLong(8, block).array()));
            return c;
        } catch (GeneralSecurityException e) {
            throw new MeshflException(ErrorCode.CRYPTO_FAILURE, "AES-CTR is not available: " + e.getMessage(), e);
        }
    }
}
