package io.meshfl.core.crypto.secagg;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import org.junit.jupiter.api.Test;

import java.security.KeyPair;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MaskingTest {

    private static SecAggParams params(int clients, int degree, int threshold, int bits, int length) {
        byte[] seed = new byte[32];
        new Random(clients).nextBytes(seed);
        return new SecAggParams("round-7", clients, degree, threshold, bits, length, seed);
    }

    @Test
    void pairwiseMasksCancelAndSelfMasksComeOff() {
        SecAggParams p = params(10, 4, 3, 40, 300);
        NeighbourGraph g = p.graph();
        Ring ring = p.ring();
        Random rnd = new Random(1);
        KeyPair[] keys = new KeyPair[10];
        byte[][] pub = new byte[10][];
        for (int i = 0; i < 10; i++) {
            keys[i] = KeyAgreement.generate();
            pub[i] = KeyAgreement.encodePublic(keys[i].getPublic());
        }
        List<long[]> masked = new ArrayList<>();
        List<long[]> plain = new ArrayList<>();
        Map<Integer, byte[]> selfSeeds = new HashMap<>();
        for (int i = 0; i < 10; i++) {
            long[] x = new long[300];
            for (int d = 0; d < x.length; d++) {
                x[d] = ring.reduce(rnd.nextLong());
            }
            byte[] b = new byte[32];
            rnd.nextBytes(b);
            selfSeeds.put(i, b);
            Map<Integer, byte[]> pairs = new HashMap<>();
            for (int j : g.neighbours(i)) {
                byte[] sij = Masking.pairSeed(p, i, keys[i].getPrivate(), j, pub[j]);
                assertArrayEquals(sij, Masking.pairSeed(p, j, keys[j].getPrivate(), i, pub[i]), "s_ij = s_ji");
                pairs.put(j, sij);
            }
            plain.add(x);
            masked.add(Masking.mask(p, g, i, x, b, pairs));
        }
        long[] sum = Unmasking.unmaskWithPairSeeds(p, g, ring.sum(masked), selfSeeds, Map.of());
        assertArrayEquals(ring.sum(plain), sum);
    }

    @Test
    void maskingWithANonNeighbourIsRefused() {
        SecAggParams p = params(10, 4, 3, 32, 8);
        NeighbourGraph g = p.graph();
        int stranger = -1;
        for (int j = 1; j < 10; j++) {
            if (!g.areNeighbours(0, j)) {
                stranger = j;
                break;
            }
        }
        Map<Integer, byte[]> pairs = Map.of(stranger, new byte[32]);
        var e = assertThrows(MeshflException.class, () -> Masking.mask(p, g, 0, new long[8], new byte[32], pairs));
        assertEquals(ErrorCode.PROTOCOL_FAILURE, e.code());
        assertTrue(e.getMessage().contains("not one of its neighbours"), e.getMessage());
        assertThrows(MeshflException.class, () -> Masking.mask(p, g, 0, new long[7], new byte[32], Map.of()));
    }

    @Test
    void theServerNeverUsesBothSecretsOfOneClient() {
        SecAggParams p = params(10, 4, 3, 32, 8);
        NeighbourGraph g = p.graph();
        int n = g.neighbours(2)[0];
        var e = assertThrows(MeshflException.class, () -> Unmasking.unmaskWithPairSeeds(p, g, new long[8],
                Map.of(2, new byte[32], n, new byte[32]), Map.of(2, Map.of(n, new byte[32]))));
        assertTrue(e.getMessage().contains("client 2 is treated as both survivor and drop-out"), e.getMessage());
    }

    @Test
    void roundParametersAreValidatedByField() {
        var e = assertThrows(MeshflException.class, () -> params(20, 6, 3, 32, 10));
        assertTrue(e.getMessage().contains("'threshold'") && e.getMessage().contains("4..6"), e.getMessage());
        e = assertThrows(MeshflException.class, () -> params(20, 6, 4, 63, 10));
        assertTrue(e.getMessage().contains("'modulusBits'"), e.getMessage());
        e = assertThrows(MeshflException.class, () -> params(21, 5, 3, 32, 10));
        assertTrue(e.getMessage().contains("'degree'"), e.getMessage());
        e = assertThrows(MeshflException.class, () -> new SecAggParams(" ", 20, 6, 4, 32, 10, new byte[32]));
        assertTrue(e.getMessage().contains("'roundId'"), e.getMessage());
        e = assertThrows(MeshflException.class, () -> new SecAggParams("r", 20, 6, 4, 32, 10, new byte[8]));
        assertTrue(e.getMessage().contains("'graphSeed'"), e.getMessage());
        assertEquals(params(20, 6, 4, 32, 10), params(20, 6, 4, 32, 10));
        assertEquals(SecAggStage.UNMASK, new SecAggMessage.UnmaskRequest(java.util.Set.of(1), java.util.Set.of()).stage());
    }
}
