package io.meshfl.core.crypto.secagg;

import io.meshfl.core.MeshflException;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PrgTest {

    private static byte[] seed(int b) {
        byte[] s = new byte[32];
        Arrays.fill(s, (byte) b);
        return s;
    }

    @Test
    void sameSeedSameMaskOtherSeedOtherMask() {
        Ring r = Ring.z32();
        assertArrayEquals(Prg.expand(seed(1), 1000, r), Prg.expand(seed(1), 1000, r));
        assertFalse(Arrays.equals(Prg.expand(seed(1), 1000, r), Prg.expand(seed(2), 1000, r)));
        // a longer mask extends a shorter one, across the internal chunk boundary too
        long[] shortMask = Prg.expand(seed(3), 5000, r);
        long[] longMask = Prg.expand(seed(3), 9000, r);
        assertArrayEquals(shortMask, Arrays.copyOf(longMask, 5000));
    }

    @Test
    void keyStreamIsAesCtrUnderTheSeedWithZeroIv() throws Exception {
        javax.crypto.Cipher c = javax.crypto.Cipher.getInstance("AES/ECB/NoPadding");
        c.init(javax.crypto.Cipher.ENCRYPT_MODE, new javax.crypto.spec.SecretKeySpec(seed(7), "AES"));
        byte[] block0 = c.doFinal(new byte[16]);
        long first = Integer.toUnsignedLong(block0[0] & 0xff | (block0[1] & 0xff) << 8 | (block0[2] & 0xff) << 16 | (block0[3] & 0xff) << 24);
        assertEquals(first, Prg.expand(seed(7), 1, Ring.z32())[0]);
    }

    @Test
    void addingThenSubtractingRestoresTheVector() {
        Ring r = new Ring(45);
        long[] v = new long[777];
        for (int i = 0; i < v.length; i++) {
            v[i] = r.reduce(i * 0x9E3779B97F4A7C15L);
        }
        long[] w = v.clone();
        Prg.apply(w, seed(9), r, false);
        assertFalse(Arrays.equals(v, w));
        Prg.apply(w, seed(9), r, true);
        assertArrayEquals(v, w);
        for (long x : Prg.expand(seed(9), 1000, r)) {
            assertTrue(x >= 0 && x <= r.mask());
        }
    }

    @Test
    void slicesAndParallelApplicationMatchOneSequentialPass() {
        for (Ring r : new Ring[] {Ring.z32(), new Ring(45)}) {
            int n = 300_001; // long enough for applyAll to split, not a multiple of the alignment
            long[] whole = new long[n];
            Prg.apply(whole, seed(4), r, false);
            long[] sliced = new long[n];
            Prg.applyRange(sliced, 0, 1000, seed(4), r, false);
            Prg.applyRange(sliced, 1000, 77_772, seed(4), r, false);
            Prg.applyRange(sliced, 77_772, n, seed(4), r, false);
            assertArrayEquals(whole, sliced);

            long[] sequential = new long[n];
            java.util.List<byte[]> seeds = new java.util.ArrayList<>();
            boolean[] subtract = new boolean[6];
            for (int k = 0; k < 6; k++) {
                seeds.add(seed(10 + k));
                subtract[k] = k % 3 == 0;
                Prg.apply(sequential, seed(10 + k), r, subtract[k]);
            }
            long[] parallel = new long[n];
            Prg.applyAll(parallel, seeds, subtract, r);
            assertArrayEquals(sequential, parallel);
        }
    }

    @Test
    void hundredThousandElementMasksAreFast() {
        Ring r = Ring.z32();
        long[] acc = new long[100_000];
        for (int i = 0; i < 50; i++) {
            Prg.apply(acc, seed(i), r, false); // warm-up
        }
        int masks = 400;
        long t0 = System.nanoTime();
        for (int i = 0; i < masks; i++) {
            Prg.apply(acc, seed(i), r, false);
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        System.out.printf("Prg: %.0f masks/s of 100,000 elements over Z_2^32 (%.2f ms each, %.0f M elements/s)%n",
                masks / seconds, 1000 * seconds / masks, masks * 0.1 / seconds);
        assertTrue(seconds / masks < 0.05, "one 100k mask should take well under 50 ms");
    }

    @Test
    void seedsMustBe32Bytes() {
        assertThrows(MeshflException.class, () -> Prg.expand(new byte[16], 10, Ring.z32()));
    }
}
