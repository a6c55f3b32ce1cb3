package io.meshfl.core.crypto.secagg;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import org.junit.jupiter.api.Test;

import java.security.KeyPair;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

class KeyAgreementTest {

    @Test
    void bothEndsDeriveTheSameSeedForTheSameContext() {
        KeyPair a = KeyAgreement.generate();
        KeyPair b = KeyAgreement.generate();
        byte[] ab = KeyAgreement.sharedSeed(a.getPrivate(), b.getPublic(), "round 1 pair 3-5");
        byte[] ba = KeyAgreement.sharedSeed(b.getPrivate(), a.getPublic(), "round 1 pair 3-5");
        assertEquals(32, ab.length);
        assertArrayEquals(ab, ba);
        assertFalse(java.util.Arrays.equals(ab, KeyAgreement.sharedSeed(a.getPrivate(), b.getPublic(), "round 2 pair 3-5")));
    }

    @Test
    void rawEncodingsRoundTripAndARebuiltKeyStillAgrees() {
        KeyPair a = KeyAgreement.generate();
        KeyPair b = KeyAgreement.generate();
        byte[] rawA = KeyAgreement.encodePrivate(a.getPrivate());
        byte[] pubB = KeyAgreement.encodePublic(b.getPublic());
        assertArrayEquals(KeyAgreement.encodePublic(a.getPublic()), KeyAgreement.publicFromPrivate(rawA));
        assertArrayEquals(KeyAgreement.sharedSeed(a.getPrivate(), b.getPublic(), "c"),
                KeyAgreement.sharedSeed(KeyAgreement.decodePrivate(rawA), pubB, "c"));
        assertArrayEquals(pubB, KeyAgreement.encodePublic(KeyAgreement.decodePublic(pubB)));
    }

    @Test
    void keysFromTheJdksGeneratorAgreeWithOurs() throws Exception {
        KeyPair jdk = java.security.KeyPairGenerator.getInstance("X25519").generateKeyPair();
        KeyPair ours = KeyAgreement.generate();
        assertArrayEquals(KeyAgreement.sharedSeed(jdk.getPrivate(), ours.getPublic(), "c"),
                KeyAgreement.sharedSeed(ours.getPrivate(), jdk.getPublic(), "c"));
        javax.crypto.KeyAgreement ka = javax.crypto.KeyAgreement.getInstance("X25519");
        ka.init(jdk.getPrivate());
        ka.doPhase(ours.getPublic(), true);
        byte[] expected = new byte[32];
        org.bouncycastle.crypto.generators.HKDFBytesGenerator hkdf =
                new org.bouncycastle.crypto.generators.HKDFBytesGenerator(new org.bouncycastle.crypto.digests.SHA256Digest());
        hkdf.init(new org.bouncycastle.crypto.params.HKDFParameters(ka.generateSecret(),
                "meshfl-secagg-v1".getBytes(java.nio.charset.StandardCharsets.UTF_8), "c".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        hkdf.generateBytes(expected, 0, 32);
        assertArrayEquals(expected, KeyAgreement.sharedSeed(jdk.getPrivate(), ours.getPublic(), "c"));
    }

    @Test
    void rfc7748TestVectorPublicKey() {
        // RFC 7748 section 6.1, Alice's key pair
        byte[] sk = java.util.HexFormat.of().parseHex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
        assertEquals("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a",
                java.util.HexFormat.of().formatHex(KeyAgreement.publicFromPrivate(sk)));
        assertEquals("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a",
                java.util.HexFormat.of().formatHex(KeyAgreement.encodePublic(
                        KeyAgreement.decodePublic(KeyAgreement.publicFromPrivate(sk)))));
    }

    @Test
    void malformedKeysAreRefused() {
        var e = assertThrows(MeshflException.class, () -> KeyAgreement.decodePublic(new byte[31]));
        assertEquals(ErrorCode.CRYPTO_FAILURE, e.code());
        KeyPair a = KeyAgreement.generate();
        // u = 0 is a small-order point: the agreement would be all zeros
        assertThrows(MeshflException.class, () -> KeyAgreement.sharedSeed(a.getPrivate(), new byte[32], "x"));
    }
}
