package io.meshfl.core.protocol.vertical;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.protocol.Message;
import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VerticalFaultsTest {

    @Test
    void payloadRelayedFromANodeOutsideTheJobIsRefused() {
        Message m = Message.request("job", "run", VerticalSteps.PROTOCOL, VerticalSteps.RESIDUAL, 0, "bank")
                .withBlobs(Map.of("from:shop", new byte[1], "from:intruder", new byte[1]));
        var e = assertThrows(MeshflException.class, () -> VerticalNode.onlyFrom(m, List.of("shop"), "bank"));
        assertEquals(ErrorCode.POLICY_VIOLATION, e.code());
        assertTrue(e.getMessage().contains("intruder"), e.getMessage());
        assertDoesNotThrow(() -> VerticalNode.onlyFrom(m.withBlobs(Map.of("from:shop", new byte[1])), List.of("shop"), "bank"));
    }

    @Test
    void ciphertextsOfTheWrongKeySizeOrOutOfRangeAreRefused() {
        BigInteger modulus = BigInteger.ONE.shiftLeft(2048).subtract(BigInteger.valueOf(159));
        BigInteger[] values = {BigInteger.TWO, modulus.subtract(BigInteger.ONE)};
        byte[] packed = CipherCodec.pack(values, modulus);
        assertArrayEquals(values, CipherCodec.unpack(packed, modulus, "test"));
        BigInteger smaller = BigInteger.ONE.shiftLeft(1024).subtract(BigInteger.ONE);
        var wrongSize = assertThrows(MeshflException.class, () -> CipherCodec.unpack(java.util.Arrays.copyOf(packed, 300), modulus, "grad"));
        assertEquals(ErrorCode.CRYPTO_FAILURE, wrongSize.code());
        assertTrue(wrongSize.getMessage().contains("wrong key size"), wrongSize.getMessage());
        byte[] tampered = packed.clone();
        java.util.Arrays.fill(tampered, 256, 512, (byte) 0xff);
        var range = assertThrows(MeshflException.class, () -> CipherCodec.unpack(tampered, modulus, "grad"));
        assertTrue(range.getMessage().contains("out of range"), range.getMessage());
        assertEquals(2, CipherCodec.unpack(CipherCodec.pack(new BigInteger[]{BigInteger.ONE, BigInteger.TEN}, smaller), smaller, "x").length);
    }
}
