package io.meshfl.core.crypto.psi;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.List;

/**
 * Compares fully blinded point sets (every party's key applied) given as packed 32-byte values.
 *
 * <p>Each set is ordered through one {@code long[]} per set: the value's first 8 bytes with the
 * low bits replaced by the value's index, sorted as primitives, so memory stays about
 * 8 bytes per point plus a bit set and never one object per point. Values whose truncated
 * prefixes tie are ordered by all 32 bytes, then the sorted sets are merged. Sorting costs
 * O(n log n) even for adversarial input, as the JDK sort falls back to heap sort.
 */
public final class Intersection {
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);
    /** Below this size a sequential sort is faster than forking. */
    private static final int PARALLEL_SORT_MIN = 1 << 16;

    private Intersection() {
    }

    /** Ascending indices of the points of {@code mineDoubleBlinded} whose value occurs in {@code theirsDoubleBlinded}. */
    public static int[] matchIndices(byte[] mineDoubleBlinded, byte[] theirsDoubleBlinded) {
        return matchIndices(mineDoubleBlinded, List.of(check(theirsDoubleBlinded, "theirs")));
    }

    /**
     * Ascending indices of the points of {@code mine} whose value occurs in every set of
     * {@code others}, for intersections among more than two parties.
     */
    public static int[] matchIndices(byte[] mine, List<byte[]> others) {
        check(mine, "mine");
        if (others == null || others.isEmpty()) {
            throw new MeshflException(ErrorCode.CRYPTO_FAILURE, "intersection needs at least one other set");
        }
        int n = mine.length / 32;
        int largest = n;
        for (int i = 0; i < others.size(); i++) {
            check(others.get(i), "other set " + i);
            largest = Math.max(largest, others.get(i).length / 32);
        }
        if (n == 0) {
            return new int[0];
        }
        int bits = indexBits(largest);
        long[] mineSorted = sortedKeys(mine, bits);
        long[] alive = null;
        for (byte[] other : others) {
            long[] hits = new long[(n + 63) >>> 6];
            merge(mine, mineSorted, other, sortedKeys(other, bits), bits, hits);
            if (alive == null) {
                alive = hits;
            } else {
                for (int w = 0; w < alive.length; w++) {
                    alive[w] &= hits[w];
                }
            }
        }
        int count = 0;
        for (long w : alive) {
            count += Long.bitCount(w);
        }
        int[] out = new int[count];
        int k = 0;
        for (int w = 0; w < alive.length; w++) {
            long bitsLeft = alive[w];
            while (bitsLeft != 0) {
                out[k++] = (w << 6) + Long.numberOfTrailingZeros(bitsLeft);
                bitsLeft &= bitsLeft - 1;
            }
        }
        return out;
    }

    /**
     * How many points of {@code a} occur in {@code b}: the intersection size when the keys were
     * distinct. Pair it with {@link #shuffle} so that positions reveal nothing.
     */
    public static int cardinality(byte[] a, byte[] b) {
        return matchIndices(a, b).length;
    }

    /**
     * A uniformly shuffled copy of {@code packed}. In the cardinality-only variant a party
     * shuffles what it returns after reblinding, so the other side learns how many of its
     * values match but not which.
     */
    public static byte[] shuffle(byte[] packed, SecureRandom random) {
        check(packed, "packed");
        if (random == null) {
            throw new MeshflException(ErrorCode.CRYPTO_FAILURE, "shuffle needs a SecureRandom, got null");
        }
        byte[] out = packed.clone();
        byte[] tmp = new byte[32];
        for (int i = out.length / 32 - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            if (j != i) {
                System.arraycopy(out, i * 32, tmp, 0, 32);
                System.arraycopy(out, j * 32, out, i * 32, 32);
                System.arraycopy(tmp, 0, out, j * 32, 32);
            }
        }
        return out;
    }

    private static byte[] check(byte[] packed, String what) {
        if (packed == null) {
            throw new MeshflException(ErrorCode.CRYPTO_FAILURE, "intersection got null for " + what);
        }
        if (packed.length % 32 != 0) {
            throw new MeshflException(ErrorCode.CRYPTO_FAILURE,
                    what + " is " + packed.length + " bytes, not a multiple of 32");
        }
        return packed;
    }

    /** Bits that hold an index below {@code n}; the same for every set compared together. */
    private static int indexBits(int n) {
        return Math.max(1, 32 - Integer.numberOfLeadingZeros(Math.max(1, n - 1)));
    }

    /**
     * Sort keys of {@code packed}: first 8 bytes with the low {@code bits} bits set to the index,
     * sign bit flipped so signed order is unsigned byte order; ties on the truncated prefix are
     * ordered by all 32 bytes.
     */
    private static long[] sortedKeys(byte[] packed, int bits) {
        int n = packed.length / 32;
        long mask = (1L << bits) - 1;
        long[] keys = new long[n];
        for (int i = 0; i < n; i++) {
            keys[i] = (((long) LONGS.get(packed, i * 32) & ~mask) | i) ^ Long.MIN_VALUE;
        }
        if (n >= PARALLEL_SORT_MIN) {
            Arrays.parallelSort(keys);
        } else {
            Arrays.sort(keys);
        }
        int start = 0;
        for (int i = 1; i <= n; i++) {
            if (i == n || (keys[i] & ~mask) != (keys[start] & ~mask)) {
                if (i - start > 1) {
                    sortRun(packed, keys, start, i, mask);
                }
                start = i;
            }
        }
        return keys;
    }

    /** Orders {@code keys[from..to)}, which share a prefix, by the full values; only the index bits change. */
    private static void sortRun(byte[] packed, long[] keys, int from, int to, long mask) {
        long prefix = keys[from] & ~mask;
        if (to - from <= 16) {
            for (int i = from + 1; i < to; i++) {
                int idx = (int) (keys[i] & mask);
                int j = i - 1;
                while (j >= from && compare(packed, (int) (keys[j] & mask), packed, idx) > 0) {
                    keys[j + 1] = keys[j];
                    j--;
                }
                keys[j + 1] = prefix | idx;
            }
            return;
        }
        // Long runs appear only when values were chosen to collide; boxing them is rare and bounded.
        Integer[] idx = new Integer[to - from];
        for (int i = from; i < to; i++) {
            idx[i - from] = (int) (keys[i] & mask);
        }
        Arrays.sort(idx, (x, y) -> compare(packed, x, packed, y));
        for (int i = from; i < to; i++) {
            keys[i] = prefix | idx[i - from];
        }
    }

    /** Marks in {@code hits} every point of {@code mine} that equals some point of {@code theirs}. */
    private static void merge(byte[] mine, long[] mk, byte[] theirs, long[] tk, int bits, long[] hits) {
        long mask = (1L << bits) - 1;
        int i = 0;
        int j = 0;
        while (i < mk.length && j < tk.length) {
            long a = mk[i] & ~mask;
            long b = tk[j] & ~mask;
            int c;
            if (a != b) {
                c = a < b ? -1 : 1;
            } else {
                c = compare(mine, (int) (mk[i] & mask), theirs, (int) (tk[j] & mask));
            }
            if (c < 0) {
                i++;
            } else if (c > 0) {
                j++;
            } else {
                int idx = (int) (mk[i] & mask);
                hits[idx >>> 6] |= 1L << idx;
                i++;                 // keep j: the next point of mine may be a duplicate
            }
        }
    }

    /** Unsigned lexicographic comparison of point {@code i} of {@code a} and point {@code j} of {@code b}. */
    private static int compare(byte[] a, int i, byte[] b, int j) {
        for (int w = 0; w < 32; w += 8) {
            long x = (long) LONGS.get(a, i * 32 + w);
            long y = (long) LONGS.get(b, j * 32 + w);
            if (x != y) {
                return Long.compareUnsigned(x, y);
            }
        }
        return 0;
    }
}
