package io.meshfl.core.protocol.psi;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;

import java.nio.ByteBuffer;

/** int[] to bytes and back for the wire (big-endian, 4 bytes each). */
public final class PackedInts {

    private PackedInts() {
    }

    public static byte[] pack(int[] v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length);
        b.asIntBuffer().put(v);
        return b.array();
    }

    public static int[] unpack(byte[] bytes) {
        if (bytes.length % 4 != 0) {
            throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "packed int array has " + bytes.length + " bytes, not a multiple of 4");
        }
        int[] v = new int[bytes.length / 4];
        ByteBuffer.wrap(bytes).asIntBuffer().get(v);
        return v;
    }
}
