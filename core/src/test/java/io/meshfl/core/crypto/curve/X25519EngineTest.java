package io.meshfl.core.crypto.curve;

import io.meshfl.core.crypto.psi.Blinder;
import io.meshfl.core.crypto.psi.PsiKey;
import org.junit.jupiter.api.Test;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class X25519EngineTest {

    private static SodiumX25519 sodium() {
        return io.meshfl.core.crypto.NativeLibraries.required(SodiumX25519.load(), "libsodium", SodiumX25519::failure);
    }

    @Test
    void bothEnginesGiveRfc7748sTestVector() {
        assertTrue(X25519Engine.passesTestVector(BouncyCastleX25519.INSTANCE));
        assertTrue(X25519Engine.passesTestVector(sodium()));
    }

    @Test
    void libsodiumGivesBouncyCastlesBytesForRandomNonCanonicalAndSmallOrderPoints() {
        SodiumX25519 native_ = sodium();
        Random rng = new Random(5);
        List<byte[]> points = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            byte[] u = new byte[32];
            rng.nextBytes(u); // the top bit set on about half: masked by both
            points.add(u);
        }
        HexFormat hex = HexFormat.of();
        // small-order points and non-canonical encodings (u >= 2^255 - 19), and the all-ones encoding
        List<String> special = new ArrayList<>(SmallOrderPoints.HEX);
        special.add("ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff");
        for (String s : special) {
            points.add(hex.parseHex(s));
        }
        byte[] k = new byte[32];
        int zeros = 0;
        for (byte[] u : points) {
            rng.nextBytes(k);
            byte[] a = new byte[40];
            byte[] b = new byte[40];
            BouncyCastleX25519.INSTANCE.scalarMult(k, 0, u, 0, a, 8);
            java.util.Arrays.fill(b, (byte) 0x55); // what the native call leaves unwritten must not show through
            native_.scalarMult(k, 0, u, 0, b, 8);
            assertArrayEquals(java.util.Arrays.copyOfRange(a, 8, 40), java.util.Arrays.copyOfRange(b, 8, 40), hex.formatHex(u));
            if (java.util.Arrays.equals(new byte[32], java.util.Arrays.copyOfRange(a, 8, 40))) zeros++;
        }
        assertTrue(zeros >= 4, "the small-order points give the all-zero result on both: " + zeros);
    }

    @Test
    void aBlinderGivesTheSamePointsOnEitherEngineAndRefusesTheSameSmallOrderInput() {
        SodiumX25519 native_ = sodium();
        PsiKey key = PsiKey.random(new SecureRandom());
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < 3000; i++) keys.add("customer-" + i + "-é");
        Blinder bc = new Blinder(key, 2, BouncyCastleX25519.INSTANCE);
        Blinder nat = new Blinder(key, 2, native_);
        byte[] blinded = bc.blindKeys(keys);
        assertArrayEquals(blinded, nat.blindKeys(keys));
        assertArrayEquals(bc.reblind(blinded), nat.reblind(blinded));
        byte[] bad = blinded.clone();
        java.util.Arrays.fill(bad, 64, 96, (byte) 0);
        var e1 = assertThrows(io.meshfl.core.MeshflException.class, () -> bc.reblind(bad));
        var e2 = assertThrows(io.meshfl.core.MeshflException.class, () -> nat.reblind(bad));
        assertEquals(e1.getMessage(), e2.getMessage());
    }

    @Test
    void keyAgreementIsBouncyCastlesOnBothEnginesAndRefusesASmallOrderPeerKey() {
        SodiumX25519 native_ = sodium();
        SecureRandom rnd = new SecureRandom();
        byte[] a = new byte[32], b = new byte[32], pubB = new byte[32];
        rnd.nextBytes(a);
        rnd.nextBytes(b);
        org.bouncycastle.math.ec.rfc7748.X25519.generatePublicKey(b, 0, pubB, 0);
        byte[] want = new byte[32], got = new byte[32];
        assertTrue(org.bouncycastle.math.ec.rfc7748.X25519.calculateAgreement(a, 0, pubB, 0, want, 0));
        assertTrue(native_.agree(a, 0, pubB, 0, got, 0));
        assertArrayEquals(want, got);
        byte[] smallOrder = HexFormat.of().parseHex(SmallOrderPoints.HEX.get(2));
        assertTrue(!native_.agree(a, 0, smallOrder, 0, got, 0) && !BouncyCastleX25519.INSTANCE.agree(a, 0, smallOrder, 0, want, 0));
    }

    @Test
    void theSettingChoosesTheEngineAndAnUnknownOneIsRefusedNamingIt() {
        assertSame(BouncyCastleX25519.INSTANCE, X25519Engine.choose("bouncycastle").engine());
        var auto = X25519Engine.choose(null);
        assertTrue(auto.why().startsWith("X25519 by "), auto.why());
        if (auto.engine() == BouncyCastleX25519.INSTANCE) assertTrue(auto.why().contains("not libsodium: "), auto.why());
        var e = assertThrows(IllegalArgumentException.class, () -> X25519Engine.choose("openssl"));
        assertEquals("meshfl.x25519 is 'openssl': choose auto, sodium or bouncycastle", e.getMessage());
    }
}
