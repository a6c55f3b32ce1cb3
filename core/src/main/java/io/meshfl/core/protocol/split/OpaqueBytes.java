package io.meshfl.core.protocol.split;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;

/**
 * Bytes the node keeps without reading them (an external trainer's optimizer state) as the values
 * of a checkpoint tensor: the length, then four bytes a value as an unsigned integer, exact in a
 * double.
 */
final class OpaqueBytes {

    private OpaqueBytes() {
    }

    static double[] values(byte[] b) {
        byte[] bytes = b == null ? new byte[0] : b;
        double[] out = new double[1 + (bytes.length + 3) / 4];
        out[0] = bytes.length;
        for (int i = 0; i < bytes.length; i++) {
            long v = (long) out[1 + i / 4] + ((long) (bytes[i] & 0xff) << (8 * (i % 4)));
            out[1 + i / 4] = v;
        }
        return out;
    }

    static byte[] bytes(double[] v) {
        if (v.length == 0 || v[0] < 0 || v[0] != Math.rint(v[0]) || (long) v[0] > 4L * (v.length - 1)) {
            throw new MeshflException(ErrorCode.CATALOG_FAILURE, "a kept optimizer state is malformed");
        }
        byte[] out = new byte[(int) v[0]];
        for (int i = 0; i < out.length; i++) out[i] = (byte) (((long) v[1 + i / 4] >>> (8 * (i % 4))) & 0xff);
        return out;
    }
}
