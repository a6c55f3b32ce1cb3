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
