package io.meshfl.core.protocol.group;

import io.meshfl.core.crypto.seal.SealedBox;
import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GroupMemberTest {

    private static final List<String> MEMBERS = List.of("north", "south", "west");

    /** Three members agreeing on the first one's seed through sealed boxes, as the relay carries them. */
    private static GroupMember[] agreed() {
        SealedBox[] boxes = {SealedBox.generate(), SealedBox.generate(), SealedBox.generate()};
        GroupMember[] g = new GroupMember[3];
        for (int i = 0; i < 3; i++) g[i] = new GroupMember("region", MEMBERS, MEMBERS.get(i));
        Map<String, byte[]> offer = g[0].offerSeed(boxes[0], m -> boxes[MEMBERS.indexOf(m)].publicKey(), m -> "job/seed:" + m);
        assertEquals(2, offer.size(), "the first member seals the seed for each other member");
        for (int i = 1; i < 3; i++) g[i].acceptSeed(boxes[i], boxes[0].publicKey(), "job/seed:" + MEMBERS.get(i), offer.get("seed-to:" + MEMBERS.get(i)));
        return g;
    }

    @Test
    void theMembersSharesOfZeroSumToZeroModuloNAndEachIsNotZero() {
        GroupMember[] g = agreed();
        BigInteger n = BigInteger.ONE.shiftLeft(1024).subtract(BigInteger.valueOf(105));
        BigInteger[][] z = new BigInteger[3][];
        for (int i = 0; i < 3; i++) z[i] = g[i].zeroShares("job/0/1/hist-mask", n, 50);
        for (int q = 0; q < 50; q++) {
            assertEquals(BigInteger.ZERO, z[0][q].add(z[1][q]).add(z[2][q]).mod(n), "value " + q);
            assertNotEquals(BigInteger.ZERO, z[2][q]);
        }
        assertFalse(java.util.Arrays.equals(z[0], g[0].zeroShares("job/0/2/hist-mask", n, 50)), "another label, other masks");
    }

    @Test
    void theMembersBitSharesXorToNothing() {
        GroupMember[] g = agreed();
        boolean[][] b = new boolean[3][];
        for (int i = 0; i < 3; i++) b[i] = g[i].xorShares("job/0/1/part-mask:3", 200);
        int ones = 0;
        for (int r = 0; r < 200; r++) {
            assertFalse(b[0][r] ^ b[1][r] ^ b[2][r], "row " + r);
            if (b[0][r]) ones++;
        }
        assertNotEquals(0, ones, "one member's share is not all false");
        assertArrayEquals(b[1], g[1].xorShares("job/0/1/part-mask:3", 200), "every member draws the same shares from the seed");
    }

    @Test
    void maskedRealVectorsSumToTheMembersValuesAndAloneAreNoise() {
        GroupMember[] g = agreed();
        double[][] own = {{0.5, 0, -1.25}, {0, 2.0, 0}, {0, 0, 0.125}};
        List<byte[]> vectors = new java.util.ArrayList<>();
        for (int i = 0; i < 3; i++) vectors.add(g[i].maskFixed("job/split/act/0/1", own[i]));
        assertArrayEquals(new double[]{0.5, 2.0, -1.125}, GroupMember.sumFixed(vectors, 3, "region"), 1e-9);
        java.nio.LongBuffer alone = java.nio.ByteBuffer.wrap(vectors.get(1)).asLongBuffer();
        assertNotEquals(0L, alone.get(0), "a member's zero is masked");
        assertNotEquals(Math.round(2.0 * 0x1p32), alone.get(1), "and so is its value");
        var e = assertThrows(io.meshfl.core.MeshflException.class, () -> GroupMember.sumFixed(List.of(vectors.get(0), new byte[8]), 3, "region"));
        assertTrue(e.getMessage().contains("a member of group region sent 1 values, not 3"), e.getMessage());
    }

    @Test
    void masksBeforeTheSeedAndStrangersAreRefused() {
        GroupMember g = new GroupMember("region", MEMBERS, "south");
        assertThrows(io.meshfl.core.MeshflException.class, () -> g.xorShares("x", 3));
        assertThrows(io.meshfl.core.MeshflException.class, () -> new GroupMember("region", MEMBERS, "east"));
    }
}
