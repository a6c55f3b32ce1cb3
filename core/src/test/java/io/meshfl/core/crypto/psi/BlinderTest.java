package io.meshfl.core.crypto.psi;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BlinderTest {
    private static final SecureRandom RND = new SecureRandom();

    private static final String[] LOW_ORDER = io.meshfl.core.crypto.curve.SmallOrderPoints.HEX.toArray(new String[0]);

    @Test
    void blindingIsDeterministicPerKeyAndDiffersBetweenKeys() {
        Blinder b = new Blinder(PsiKey.random(RND), 1);
        byte[] x = b.blindKeys(List.of("alice", "bob", "alice"));
        assertEquals(96, x.length);
        assertArrayEquals(Arrays.copyOfRange(x, 0, 32), Arrays.copyOfRange(x, 64, 96));
        assertFalse(Arrays.equals(Arrays.copyOfRange(x, 0, 32), Arrays.copyOfRange(x, 32, 64)));
        assertArrayEquals(x, b.blindKeys(List.of("alice", "bob", "alice")));

        Blinder other = new Blinder(PsiKey.random(RND), 1);
        assertFalse(Arrays.equals(Arrays.copyOfRange(x, 0, 32), Arrays.copyOfRange(other.blindKeys(List.of("alice")), 0, 32)),
                "another key blinds differently");
    }

    @Test
    void blindingIsHashThenScalarMultiplication() {
        Blinder b = new Blinder(PsiKey.random(RND), 1);
        byte[] h = new byte[32];
        HashToCurve.hash("k1".getBytes(java.nio.charset.StandardCharsets.UTF_8), h, 0);
        assertArrayEquals(b.reblind(h), b.blindKeys(List.of("k1")));
    }

    @Test
    void blindingCommutes() {
        Blinder a = new Blinder(PsiKey.random(RND), 1);
        Blinder b = new Blinder(PsiKey.random(RND), 1);
        Blinder c = new Blinder(PsiKey.random(RND), 1);
        List<String> keys = List.of("x", "y", "z");
        byte[] abc = c.reblind(b.reblind(a.blindKeys(keys)));
        byte[] cab = b.reblind(a.reblind(c.blindKeys(keys)));
        assertArrayEquals(abc, cab);
    }

    @Test
    void multiThreadedEqualsSingleThreaded() {
        PsiKey key = PsiKey.random(RND);
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < 1500; i++) {
            keys.add("id-" + i + (i % 7 == 0 ? "-ü€😀" : ""));
        }
        Blinder one = new Blinder(key, 1);
        Blinder four = new Blinder(key, 4);
        byte[] single = one.blindKeys(keys);
        byte[] multi = four.blindKeys(keys);
        assertArrayEquals(single, multi);
        assertArrayEquals(one.reblind(single), four.reblind(single));

        String[] array = keys.toArray(new String[0]);
        byte[] batch = four.blindKeys(array, 100, 1300);
        assertArrayEquals(Arrays.copyOfRange(single, 100 * 32, 1300 * 32), batch);
        assertEquals(0, four.blindKeys(array, 5, 5).length);
    }

    @Test
    void utf8EncodingMatchesTheJdk() {
        Blinder b = new Blinder(PsiKey.random(RND), 1);
        String[] keys = {"", "a", "é", "€", "😀", "mixed ü-€-😀-z", "\u07ff\u0800\uffff"};
        byte[] blinded = b.blindKeys(Arrays.asList(keys));
        for (int i = 0; i < keys.length; i++) {
            byte[] h = new byte[32];
            HashToCurve.hash(keys[i].getBytes(java.nio.charset.StandardCharsets.UTF_8), h, 0);
            assertArrayEquals(b.reblind(h), Arrays.copyOfRange(blinded, 32 * i, 32 * i + 32), keys[i]);
        }
    }

    @Test
    void refusesUnpairedSurrogatesAndNulls() {
        Blinder b = new Blinder(PsiKey.random(RND), 1);
        MeshflException e = assertThrows(MeshflException.class, () -> b.blindKeys(List.of("ok", "bad\uD800")));
        assertTrue(e.getMessage().contains("index 1"), e.getMessage());
        assertThrows(MeshflException.class, () -> b.blindKeys(Arrays.asList("ok", null)));
        assertThrows(MeshflException.class, () -> b.blindKeys(new String[3], 2, 1));
        assertThrows(MeshflException.class, () -> b.blindKeys((List<String>) null));
    }

    @Test
    void reblindRefusesSmallOrderPointsWithTheirIndex() {
        Blinder b = new Blinder(PsiKey.random(RND), 2);
        byte[] good = b.blindKeys(List.of("a", "b", "c"));
        for (String hex : LOW_ORDER) {
            for (boolean highBit : new boolean[] {false, true}) {
                byte[] bad = HexFormat.of().parseHex(hex);
                if (highBit) {
                    bad[31] |= (byte) 0x80;
                }
                byte[] packed = new byte[4 * 32];
                System.arraycopy(good, 0, packed, 0, 96);
                System.arraycopy(bad, 0, packed, 96, 32);
                MeshflException e = assertThrows(MeshflException.class, () -> b.reblind(packed), hex);
                assertEquals(ErrorCode.CRYPTO_FAILURE, e.code());
                assertTrue(e.getMessage().contains("invalid point at index 3"), e.getMessage());
            }
        }
        // the order-8 constants above really have order 8
        BigInteger x = Curve25519Reference.fromLittleEndian(HexFormat.of().parseHex(LOW_ORDER[2]), 0);
        assertEquals(null, Curve25519Reference.dbl(Curve25519Reference.dbl(Curve25519Reference.dbl(x))));
    }

    @Test
    void reblindReportsTheFirstInvalidIndexAcrossThreads() {
        Blinder b = new Blinder(PsiKey.random(RND), 3);
        byte[] packed = b.blindKeys(java.util.stream.IntStream.range(0, 400).mapToObj(i -> "k" + i).toList());
        Arrays.fill(packed, 390 * 32, 391 * 32, (byte) 0);
        Arrays.fill(packed, 150 * 32, 151 * 32, (byte) 0);
        MeshflException e = assertThrows(MeshflException.class, () -> b.reblind(packed));
        assertTrue(e.getMessage().contains("invalid point at index 150"), e.getMessage());
    }

    @Test
    void reblindRefusesBadLengths() {
        Blinder b = new Blinder(PsiKey.random(RND), 1);
        MeshflException e = assertThrows(MeshflException.class, () -> b.reblind(new byte[33]));
        assertTrue(e.getMessage().contains("multiple of 32"), e.getMessage());
        assertThrows(MeshflException.class, () -> b.reblind(null));
        assertEquals(0, b.reblind(new byte[0]).length);
    }

    @Test
    void keyStaysSecret() {
        PsiKey key = PsiKey.random(RND);
        assertEquals("PsiKey[secret]", key.toString());
        Blinder b = new Blinder(key, 1);
        key.destroy();
        assertTrue(key.isDestroyed());
        assertThrows(MeshflException.class, () -> b.blindKeys(List.of("a")));
        assertThrows(MeshflException.class, () -> new Blinder(null, 1));
        assertThrows(MeshflException.class, () -> new Blinder(PsiKey.random(RND), 0));
    }
}
