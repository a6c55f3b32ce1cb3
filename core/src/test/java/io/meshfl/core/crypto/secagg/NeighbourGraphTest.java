package io.meshfl.core.crypto.secagg;

import io.meshfl.core.MeshflException;
import org.junit.jupiter.api.Test;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NeighbourGraphTest {

    private static byte[] seed(long s) {
        byte[] b = new byte[32];
        new Random(s).nextBytes(b);
        return b;
    }

    @Test
    void graphIsRegularSymmetricAndConnected() {
        for (int[] nk : new int[][]{{20, 6}, {21, 4}, {100, 14}, {10, 5}, {7, 6}, {8, 7}}) {
            NeighbourGraph g = NeighbourGraph.harary(nk[0], nk[1], seed(nk[0]));
            for (int c = 0; c < nk[0]; c++) {
                int[] ns = g.neighbours(c);
                assertEquals(nk[1], ns.length, "degree of client " + c + " in " + g);
                for (int n : ns) {
                    assertTrue(n != c && g.areNeighbours(n, c), "symmetric edge " + c + "-" + n);
                }
            }
            assertEquals(nk[0], reachable(g));
        }
    }

    @Test
    void theRoundSeedFixesTheGraph() {
        NeighbourGraph a = NeighbourGraph.harary(50, 8, seed(1));
        NeighbourGraph b = NeighbourGraph.harary(50, 8, seed(1));
        NeighbourGraph c = NeighbourGraph.harary(50, 8, seed(2));
        boolean differs = false;
        for (int i = 0; i < 50; i++) {
            assertArrayEquals(a.neighbours(i), b.neighbours(i));
            differs |= !Arrays.equals(a.neighbours(i), c.neighbours(i));
        }
        assertTrue(differs);
    }

    @Test
    void degreeOfNMinusOneIsTheCompleteGraph() {
        NeighbourGraph g = NeighbourGraph.harary(9, 8, seed(3));
        for (int i = 0; i < 9; i++) {
            assertEquals(8, g.neighbours(i).length);
        }
    }

    @Test
    void impossibleGraphsAreRefusedByField() {
        var e = assertThrows(MeshflException.class, () -> NeighbourGraph.harary(21, 5, seed(0)));
        assertTrue(e.getMessage().contains("'degree'"), e.getMessage());
        e = assertThrows(MeshflException.class, () -> NeighbourGraph.harary(5, 5, seed(0)));
        assertTrue(e.getMessage().contains("'degree'"), e.getMessage());
        e = assertThrows(MeshflException.class, () -> NeighbourGraph.harary(1, 1, seed(0)));
        assertTrue(e.getMessage().contains("'clients'"), e.getMessage());
        NeighbourGraph g = NeighbourGraph.harary(10, 4, seed(0));
        assertThrows(MeshflException.class, () -> g.neighbours(10));
        assertFalse(g.areNeighbours(3, 3));
    }

    private static int reachable(NeighbourGraph g) {
        boolean[] seen = new boolean[g.clients()];
        Deque<Integer> todo = new ArrayDeque<>();
        todo.add(0);
        seen[0] = true;
        int count = 1;
        while (!todo.isEmpty()) {
            for (int n : g.neighbours(todo.poll())) {
                if (!seen[n]) {
                    seen[n] = true;
                    count++;
                    todo.add(n);
                }
            }
        }
        return count;
    }
}
