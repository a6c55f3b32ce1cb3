package io.meshfl.core.crypto.seal;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

class SealedBoxTest {

    @Test
    void recipientOpensWhatTheSenderSealed() {
        SealedBox a = SealedBox.generate(), b = SealedBox.generate();
        byte[] msg = "partial scores".getBytes(StandardCharsets.UTF_8);
        byte[] sealed = a.seal(b.publicKey(), "job1/d", msg);
        assertFalse(new String(sealed, StandardCharsets.ISO_8859_1).contains("partial"));
        assertArrayEquals(msg, b.open(a.publicKey(), "job1/d", sealed));
    }

    @Test
    void anyoneElseOrAnAlteredPayloadIsRefused() {
        SealedBox a = SealedBox.generate(), b = SealedBox.generate(), eve = SealedBox.generate();
        byte[] sealed = a.seal(b.publicKey(), "ctx", new byte[100]);
        var e = assertThrows(MeshflException.class, () -> eve.open(a.publicKey(), "ctx", sealed));
        assertEquals(ErrorCode.CRYPTO_FAILURE, e.code());
        sealed[40] ^= 1;
        assertThrows(MeshflException.class, () -> b.open(a.publicKey(), "ctx", sealed));
    }

    @Test
    void sealsInterworkWithTheJdksX25519() throws Exception {
        // the same wire format as when the agreement ran in the JDK: X.509 keys, JDK-side derivation opens it
        SealedBox a = SealedBox.generate();
        java.security.PublicKey aPub = java.security.KeyFactory.getInstance("X25519")
                .generatePublic(new java.security.spec.X509EncodedKeySpec(a.publicKey()));
        assertArrayEquals(a.publicKey(), aPub.getEncoded());
        java.security.KeyPair jdk = java.security.KeyPairGenerator.getInstance("X25519").generateKeyPair();
        byte[] sealed = a.seal(jdk.getPublic().getEncoded(), "ctx", "hello".getBytes(StandardCharsets.UTF_8));
        javax.crypto.KeyAgreement ka = javax.crypto.KeyAgreement.getInstance("X25519");
        ka.init(jdk.getPrivate());
        ka.doPhase(aPub, true);
        javax.crypto.Cipher c = javax.crypto.Cipher.getInstance("AES/GCM/NoPadding");
        c.init(javax.crypto.Cipher.DECRYPT_MODE, new javax.crypto.spec.SecretKeySpec(
                SealedBox.hkdf(ka.generateSecret(), "meshfl-seal-v1 ctx", 32), "AES"),
                new javax.crypto.spec.GCMParameterSpec(128, sealed, 0, 12));
        c.updateAAD("ctx".getBytes(StandardCharsets.UTF_8));
        assertEquals("hello", new String(c.doFinal(sealed, 12, sealed.length - 12), StandardCharsets.UTF_8));
    }

    @Test
    void payloadIsBoundToItsContext() {
        SealedBox a = SealedBox.generate(), b = SealedBox.generate();
        byte[] sealed = a.seal(b.publicKey(), "round 1", new byte[8]);
        assertThrows(MeshflException.class, () -> b.open(a.publicKey(), "round 2", sealed));
    }

    @Test
    void hkdfMatchesRfc5869TestCase3() throws Exception {
        byte[] ikm = new byte[22];
        java.util.Arrays.fill(ikm, (byte) 0x0b);
        assertEquals("8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8",
                java.util.HexFormat.of().formatHex(SealedBox.hkdf(ikm, "", 42)));
    }

    @Test
    void hkdfIsDeterministicAndBoundToInfo() throws Exception {
        byte[] k1 = SealedBox.hkdf(new byte[]{1, 2, 3}, "x", 42);
        assertEquals(42, k1.length);
        assertArrayEquals(k1, SealedBox.hkdf(new byte[]{1, 2, 3}, "x", 42));
        assertFalse(java.util.Arrays.equals(k1, SealedBox.hkdf(new byte[]{1, 2, 3}, "y", 42)));
    }
}
