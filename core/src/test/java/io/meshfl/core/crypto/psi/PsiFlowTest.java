package io.meshfl.core.crypto.psi;

import io.meshfl.core.MeshflException;
import org.junit.jupiter.api.Test;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Whole PSI runs between in-process parties, checked against the plain set intersection. */
class PsiFlowTest {
    private static final SecureRandom RND = new SecureRandom();

    /** What A learns in a two-party run: its row indices whose key B also holds. */
    static int[] twoParty(List<String> ka, List<String> kb, int threads) {
        Blinder a = new Blinder(PsiKey.random(RND), threads);
        Blinder b = new Blinder(PsiKey.random(RND), threads);
        byte[] aToB = a.blindKeys(ka);                 // A -> B
        byte[] aDouble = b.reblind(aToB);              // B -> A, same order
        byte[] bToA = b.blindKeys(kb);                 // B -> A
        byte[] bDouble = a.reblind(bToA);              // A's own copy of H(KB)^ba
        return Intersection.matchIndices(aDouble, bDouble);
    }

    static int[] expected(List<String> mine, List<Set<String>> others) {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < mine.size(); i++) {
            String k = mine.get(i);
            if (others.stream().allMatch(s -> s.contains(k))) {
                out.add(i);
            }
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    static List<String> keys(String prefix, int from, int to) {
        List<String> out = new ArrayList<>();
        for (int i = from; i < to; i++) {
            out.add(prefix + i);
        }
        return out;
    }

    @Test
    void partialOverlapInShuffledOrder() {
        List<String> ka = keys("cust-", 0, 300);
        List<String> kb = keys("cust-", 200, 450);
        Collections.shuffle(ka, new Random(1));
        Collections.shuffle(kb, new Random(2));
        int[] got = twoParty(ka, kb, 2);
        assertEquals(100, got.length);
        assertArrayEquals(expected(ka, List.of(new HashSet<>(kb))), got);
    }

    @Test
    void noOverlapAndFullOverlap() {
        assertEquals(0, twoParty(keys("a-", 0, 150), keys("b-", 0, 150), 1).length);
        List<String> same = keys("k", 0, 150);
        List<String> reversed = new ArrayList<>(same);
        Collections.reverse(reversed);
        int[] all = twoParty(same, reversed, 2);
        assertEquals(150, all.length);
        for (int i = 0; i < 150; i++) {
            assertEquals(i, all[i]);
        }
    }

    @Test
    void duplicatesUnicodeAndEmptySets() {
        List<String> ka = List.of("Zoë", "東京-17", "😀-id", "dup", "dup", "only-a", "", "e\u0301");
        List<String> kb = List.of("dup", "東京-17", "😀-id", "😀-id", "", "only-b", "é");
        assertArrayEquals(new int[] {1, 2, 3, 4, 6}, twoParty(ka, kb, 1));
        assertEquals(0, twoParty(List.of(), kb, 1).length);
        assertEquals(0, twoParty(ka, List.of(), 1).length);
        assertEquals(0, twoParty(List.of(), List.of(), 1).length);
    }

    @Test
    void threeParties() {
        // each set passes through all three keys; every party compares its own set with the other two
        List<List<String>> sets = List.of(keys("u", 0, 120), keys("u", 60, 200), keys("u", 90, 160));
        List<Blinder> parties = List.of(new Blinder(PsiKey.random(RND), 2), new Blinder(PsiKey.random(RND), 1),
                new Blinder(PsiKey.random(RND), 2));
        List<byte[]> full = new ArrayList<>();
        for (int owner = 0; owner < 3; owner++) {
            byte[] x = parties.get(owner).blindKeys(sets.get(owner));
            for (int step = 1; step < 3; step++) {
                x = parties.get((owner + step) % 3).reblind(x);
            }
            full.add(x);
        }
        for (int me = 0; me < 3; me++) {
            List<byte[]> others = new ArrayList<>();
            List<Set<String>> otherSets = new ArrayList<>();
            for (int o = 0; o < 3; o++) {
                if (o != me) {
                    others.add(full.get(o));
                    otherSets.add(new HashSet<>(sets.get(o)));
                }
            }
            int[] got = Intersection.matchIndices(full.get(me), others);
            assertEquals(30, got.length, "u90..u119 are held by all three");
            assertArrayEquals(expected(sets.get(me), otherSets), got);
        }
    }

    @Test
    void cardinalityOnlyRevealsTheCount() {
        List<String> ka = keys("c", 0, 200);
        List<String> kb = keys("c", 150, 260);
        Blinder a = new Blinder(PsiKey.random(RND), 2);
        Blinder b = new Blinder(PsiKey.random(RND), 2);
        // B shuffles what it returns, so A cannot tie the doubly blinded values to its rows
        byte[] aDouble = Intersection.shuffle(b.reblind(a.blindKeys(ka)), RND);
        byte[] bDouble = a.reblind(Intersection.shuffle(b.blindKeys(kb), RND));
        assertEquals(50, Intersection.cardinality(aDouble, bDouble));
        Set<Integer> positions = new TreeSet<>();
        for (int i : Intersection.matchIndices(aDouble, bDouble)) {
            positions.add(i);
        }
        assertEquals(50, positions.size());
    }

    @Test
    void maliciousSmallOrderReplyIsRefused() {
        Blinder a = new Blinder(PsiKey.random(RND), 1);
        byte[] fromB = new byte[2 * 32];
        System.arraycopy(new Blinder(PsiKey.random(RND), 1).blindKeys(List.of("x")), 0, fromB, 32, 32);
        assertThrows(MeshflException.class, () -> a.reblind(fromB));
    }
}
