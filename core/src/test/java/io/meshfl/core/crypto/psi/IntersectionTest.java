package io.meshfl.core.crypto.psi;

import io.meshfl.core.MeshflException;
import org.junit.jupiter.api.Test;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The comparison step on raw 32-byte values, checked against a plain hash-set answer. */
class IntersectionTest {

    @Test
    void agreesWithNaiveIntersectionOnRandomValues() {
        Random rnd = new Random(3);
        for (int round = 0; round < 20; round++) {
            int n = rnd.nextInt(300);
            int m = rnd.nextInt(300);
            byte[][] pool = randomValues(rnd, 200);
            byte[] mine = pick(rnd, pool, n);
            byte[] theirs = pick(rnd, pool, m);
            assertArrayEquals(naive(mine, List.of(theirs)), Intersection.matchIndices(mine, theirs));
        }
    }

    @Test
    void resolvesValuesThatShareTheirFirstBytes() {
        Random rnd = new Random(5);
        // many values with one 8-byte prefix (a long tie run), four with another (short runs), the rest random
        byte[][] pool = randomValues(rnd, 120);
        for (int i = 0; i < 104; i++) {
            Arrays.fill(pool[i], 0, 8, (byte) (i < 100 ? 0x11 : 0xEE));
        }
        for (int round = 0; round < 10; round++) {
            byte[] mine = pick(rnd, pool, 150);
            byte[] theirs = pick(rnd, pool, 90);
            byte[] third = pick(rnd, pool, 110);
            assertArrayEquals(naive(mine, List.of(theirs)), Intersection.matchIndices(mine, theirs));
            assertArrayEquals(naive(mine, List.of(theirs, third)), Intersection.matchIndices(mine, List.of(theirs, third)));
        }
    }

    @Test
    void unsignedOrderAcrossTheSignBit() {
        byte[] a = new byte[64];
        byte[] b = new byte[64];
        a[0] = (byte) 0x80;       // a = {0x80..., 0x00...}
        b[32] = (byte) 0x80;      // b = {0x00..., 0x80...}
        assertArrayEquals(new int[] {0, 1}, Intersection.matchIndices(a, b));
        assertEquals(2, Intersection.cardinality(a, b));
    }

    @Test
    void emptyAndDegenerateInputs() {
        byte[] one = new byte[32];
        one[5] = 1;
        assertEquals(0, Intersection.matchIndices(new byte[0], one).length);
        assertEquals(0, Intersection.matchIndices(one, new byte[0]).length);
        assertArrayEquals(new int[] {0}, Intersection.matchIndices(one, one));
        assertThrows(MeshflException.class, () -> Intersection.matchIndices(new byte[31], one));
        assertThrows(MeshflException.class, () -> Intersection.matchIndices(one, new byte[33]));
        assertThrows(MeshflException.class, () -> Intersection.matchIndices(one, List.of()));
        assertThrows(MeshflException.class, () -> Intersection.matchIndices(null, one));
    }

    @Test
    void largeSetsUseTheParallelSortAndStayCorrect() {
        Random rnd = new Random(9);
        int n = 150_000;
        byte[] mine = new byte[n * 32];
        rnd.nextBytes(mine);
        byte[] theirs = new byte[n * 32];
        rnd.nextBytes(theirs);
        Set<Integer> expected = new HashSet<>();
        for (int k = 0; k < 5000; k++) {
            int i = rnd.nextInt(n);
            int j = rnd.nextInt(n);
            System.arraycopy(mine, i * 32, theirs, j * 32, 32);
        }
        // recompute which of mine survived (later copies may overwrite earlier targets)
        Set<String> theirSet = new HashSet<>();
        for (int j = 0; j < n; j++) {
            theirSet.add(HexFormat.of().formatHex(theirs, j * 32, j * 32 + 32));
        }
        for (int i = 0; i < n; i++) {
            if (theirSet.contains(HexFormat.of().formatHex(mine, i * 32, i * 32 + 32))) {
                expected.add(i);
            }
        }
        int[] got = Intersection.matchIndices(mine, theirs);
        assertEquals(expected.size(), got.length);
        for (int i = 1; i < got.length; i++) {
            assertFalse(got[i - 1] >= got[i], "ascending");
        }
        for (int i : got) {
            assertFalse(!expected.contains(i), "unexpected index " + i);
        }
    }

    @Test
    void shuffleIsAPermutationOfWholePoints() {
        Random rnd = new Random(1);
        byte[] packed = new byte[500 * 32];
        rnd.nextBytes(packed);
        byte[] shuffled = Intersection.shuffle(packed, new SecureRandom());
        assertEquals(packed.length, shuffled.length);
        assertFalse(Arrays.equals(packed, shuffled));
        assertEquals(500, Intersection.cardinality(shuffled, packed));
        assertEquals(500, Intersection.cardinality(packed, shuffled));
        assertEquals(0, Intersection.shuffle(new byte[0], new SecureRandom()).length);
        assertThrows(MeshflException.class, () -> Intersection.shuffle(new byte[40], new SecureRandom()));
    }

    static byte[][] randomValues(Random rnd, int count) {
        byte[][] v = new byte[count][32];
        for (byte[] b : v) {
            rnd.nextBytes(b);
        }
        return v;
    }

    static byte[] pick(Random rnd, byte[][] pool, int n) {
        byte[] out = new byte[n * 32];
        for (int i = 0; i < n; i++) {
            System.arraycopy(pool[rnd.nextInt(pool.length)], 0, out, i * 32, 32);
        }
        return out;
    }

    static int[] naive(byte[] mine, List<byte[]> others) {
        List<Set<String>> sets = new ArrayList<>();
        for (byte[] o : others) {
            Set<String> s = new HashSet<>();
            for (int j = 0; j < o.length; j += 32) {
                s.add(HexFormat.of().formatHex(o, j, j + 32));
            }
            sets.add(s);
        }
        List<Integer> hits = new ArrayList<>();
        for (int i = 0; i < mine.length / 32; i++) {
            String v = HexFormat.of().formatHex(mine, i * 32, i * 32 + 32);
            if (sets.stream().allMatch(s -> s.contains(v))) {
                hits.add(i);
            }
        }
        return hits.stream().mapToInt(Integer::intValue).toArray();
    }
}
