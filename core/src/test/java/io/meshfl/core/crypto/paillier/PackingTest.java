package io.meshfl.core.crypto.paillier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshfl.core.MeshflException;
import java.math.BigInteger;
import java.security.SecureRandom;
import org.junit.jupiter.api.Test;

class PackingTest {
    private final PaillierKeyPair kp = Keys.k1024();

    @Test
    void capacityFollowsFromModulusSlotAndHeadroomBits() {
        Packing p = new Packing(kp.pub(), 48);
        assertEquals(1023 / 48, p.slots());
        assertEquals(32, p.valueBits());
        assertEquals(1L << 16, p.maxAdditions());
        assertEquals(1, p.plaintextsFor(21));
        assertEquals(2, p.plaintextsFor(22));
        assertEquals(0, p.plaintextsFor(0));
        Packing q = new Packing(Keys.of(2048, 21).pub(), 63, 20);
        assertEquals(2047 / 63, q.slots());
        assertEquals(43, q.valueBits());
        assertTrue((long) q.slots() * q.slotBits() < 2048);
    }

    @Test
    void packUnpackRoundTripsIncludingEdgeValues() {
        SecureRandom rnd = Keys.seeded(51);
        for (int slotBits : new int[] {2, 17, 32, 48, 63}) {
            Packing p = new Packing(kp.pub(), slotBits, slotBits / 3);
            long max = (1L << p.valueBits()) - 1;
            for (int trial = 0; trial < 20; trial++) {
                int count = trial == 0 ? p.slots() : rnd.nextInt(p.slots() + 1);
                long[] v = new long[count];
                for (int i = 0; i < count; i++) v[i] = i % 7 == 0 ? max : i % 5 == 0 ? 0 : (rnd.nextLong() >>> 1) % (max + 1);
                BigInteger m = p.pack(v);
                assertTrue(m.compareTo(kp.pub().n()) < 0);
                assertArrayEquals(v, p.unpack(m, count));
            }
        }
    }

    @Test
    void homomorphicAdditionOfPackedCiphertextsAddsSlotWise() {
        Packing p = new Packing(kp.pub(), 40, 8);
        SecureRandom rnd = Keys.seeded(52);
        int parties = 255;
        long[] expected = new long[p.slots()];
        BigInteger[] cs = new BigInteger[parties];
        try (Encryptor enc = new Encryptor(kp.pub(), Keys.seeded(53))) {
            for (int k = 0; k < parties; k++) {
                long[] v = new long[p.slots()];
                for (int i = 0; i < v.length; i++) {
                    v[i] = k == 0 ? (1L << 32) - 1 : rnd.nextLong() >>> (64 - 32);
                    expected[i] += v[i];
                }
                cs[k] = enc.encrypt(p.pack(v));
            }
        }
        BigInteger sum = new Homomorphic(kp.pub()).sum(cs);
        assertArrayEquals(expected, p.unpack(new Decryptor(kp.priv()).decrypt(sum), p.slots()));
    }

    @Test
    void valuesThatCouldOverflowASlotAreRefused() {
        Packing p = new Packing(kp.pub(), 20, 4);
        assertTrue(assertThrows(MeshflException.class, () -> p.pack(new long[] {1, 1L << 16})).getMessage().contains("slot 1"));
        assertThrows(MeshflException.class, () -> p.pack(new long[] {-1}));
        assertThrows(MeshflException.class, () -> p.pack(new long[p.slots() + 1]));
        assertThrows(MeshflException.class, () -> p.unpack(kp.pub().n().subtract(BigInteger.ONE), 1));
        assertThrows(MeshflException.class, () -> new Packing(kp.pub(), 64));
        assertThrows(MeshflException.class, () -> new Packing(kp.pub(), 20, 20));
    }
}
