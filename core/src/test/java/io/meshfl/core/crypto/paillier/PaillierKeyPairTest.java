package io.meshfl.core.crypto.paillier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import java.math.BigInteger;
import org.junit.jupiter.api.Test;

class PaillierKeyPairTest {

    @Test
    void generatedModulusHasExactlyTheRequestedBits() {
        PaillierKeyPair kp = Keys.k1024();
        assertEquals(1024, kp.pub().bits());
        assertEquals(1024, kp.pub().n().bitLength());
        assertEquals(kp.pub(), kp.priv().publicKey());
        assertEquals(256, kp.pub().ciphertextBytes());
        assertEquals(kp.pub().n(), kp.priv().p.multiply(kp.priv().q));
        assertEquals(512, kp.priv().p.bitLength());
        assertEquals(512, kp.priv().q.bitLength());
        assertEquals(3, kp.priv().p.intValue() & 3, "p = 3 mod 4");
        assertEquals(3, kp.priv().q.intValue() & 3, "q = 3 mod 4");
    }

    @Test
    void sameSeedGivesSameKeyAndOtherSeedsDiffer() {
        PaillierKeyPair a = PaillierKeyPair.generate(1024, Keys.seeded(77));
        PaillierKeyPair b = PaillierKeyPair.generate(1024, Keys.seeded(77));
        assertEquals(a.pub(), b.pub());
        assertNotEquals(a.pub(), Keys.k1024().pub());
    }

    @Test
    void keySizesOutsideTheAllowedRangeAreRefused() {
        for (int bits : new int[] {512, 4096, 1000}) {
            MeshflException e = assertThrows(MeshflException.class, () -> PaillierKeyPair.generate(bits, Keys.seeded(1)));
            assertEquals(ErrorCode.CRYPTO_FAILURE, e.code());
            assertTrue(e.getMessage().contains(bits + " bits"), e.getMessage());
        }
        MeshflException e = assertThrows(MeshflException.class, () -> PaillierKeyPair.generate(512, Keys.seeded(1)));
        assertEquals("key of 512 bits: allowed 1024..3072", e.getMessage());
    }

    @Test
    void publicKeyRoundTripsThroughBytes() {
        PaillierPublicKey pk = Keys.k1024().pub();
        byte[] bytes = pk.toBytes();
        PaillierPublicKey back = PaillierPublicKey.fromBytes(bytes);
        assertEquals(pk, back);
        assertEquals(pk.hashCode(), back.hashCode());
        assertArrayEquals(bytes, back.toBytes());
        assertEquals(1 + 128, bytes.length);
    }

    @Test
    void malformedPublicKeyBytesAreRefused() {
        byte[] bytes = Keys.k1024().pub().toBytes();
        byte[] badVersion = bytes.clone();
        badVersion[0] = 9;
        assertTrue(assertThrows(MeshflException.class, () -> PaillierPublicKey.fromBytes(badVersion))
                .getMessage().contains("format version 9"));
        assertThrows(MeshflException.class, () -> PaillierPublicKey.fromBytes(new byte[] {1}));
        byte[] small = new byte[65];
        small[0] = 1;
        small[1] = (byte) 0x80;
        small[64] = 1;
        assertTrue(assertThrows(MeshflException.class, () -> PaillierPublicKey.fromBytes(small))
                .getMessage().contains("512 bits"));
        assertThrows(MeshflException.class, () -> new PaillierPublicKey(BigInteger.ONE.shiftLeft(1500)));
    }

    @Test
    void toStringDoesNotRevealThePrimes() {
        PaillierPrivateKey sk = Keys.k1024().priv();
        String s = sk.toString() + Keys.k1024();
        assertFalse(s.contains(sk.p.toString()) || s.contains(sk.p.toString(16)));
    }
}
