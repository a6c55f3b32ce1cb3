package io.meshfl.core.protocol;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;

import java.nio.ByteBuffer;

/**
 * Small length-prefixed framing of ints, bits, bytes and doubles inside node-to-node payloads
 * (sealed boosted-tree messages, secure-aggregation bundles); reading turns truncated or
 * malformed input into protocol errors naming the payload, never buffer exceptions.
 */
public final class Wire {

    private Wire() {
    }

    /** Growable big-endian writer. */
    public static final class Out {
        private ByteBuffer b = ByteBuffer.allocate(1024);

        private void room(int n) {
            if (b.remaining() < n) {
                ByteBuffer nb = ByteBuffer.allocate(Math.max(b.capacity() * 2, b.position() + n));
                b.flip();
                nb.put(b);
                b = nb;
            }
        }

        public Out putInt(int v) {
            room(4);
            b.putInt(v);
            return this;
        }

        public Out putInts(int[] v) {
            putInt(v.length);
            room(4 * v.length);
            for (int x : v) b.putInt(x);
            return this;
        }

        public Out putBits(boolean[] v) {
            putInt(v.length);
            byte[] packed = new byte[(v.length + 7) / 8];
            for (int i = 0; i < v.length; i++) if (v[i]) packed[i >>> 3] |= (byte) (1 << (i & 7));
            room(packed.length);
            b.put(packed);
            return this;
        }

        public Out putBytes(byte[] v) {
            putInt(v.length);
            room(v.length);
            b.put(v);
            return this;
        }

        public Out putDouble(double v) {
            room(8);
            b.putDouble(v);
            return this;
        }

        public byte[] bytes() {
            byte[] out = new byte[b.position()];
            System.arraycopy(b.array(), 0, out, 0, out.length);
            return out;
        }
    }

    /** Reader that turns truncated or malformed payloads into protocol errors. */
    public static final class In {
        private final ByteBuffer b;
        private final String what;

        public In(byte[] bytes, String what) {
            this.b = ByteBuffer.wrap(bytes);
            this.what = what;
        }

        public int getInt() {
            need(4);
            return b.getInt();
        }

        public int[] getInts() {
            int n = getInt();
            if (n < 0) bad();
            need(4L * n);
            int[] v = new int[n];
            for (int i = 0; i < n; i++) v[i] = b.getInt();
            return v;
        }

        public boolean[] getBits() {
            int n = getInt();
            if (n < 0) bad();
            int len = (n + 7) / 8;
            need(len);
            byte[] packed = new byte[len];
            b.get(packed);
            boolean[] v = new boolean[n];
            for (int i = 0; i < n; i++) v[i] = (packed[i >>> 3] >> (i & 7) & 1) != 0;
            return v;
        }

        public byte[] getBytes() {
            int n = getInt();
            if (n < 0) bad();
            need(n);
            byte[] v = new byte[n];
            b.get(v);
            return v;
        }

        public double getDouble() {
            need(8);
            return b.getDouble();
        }

        /** A count that cannot exceed the bytes left (each counted item takes at least one). */
        public int count() {
            int n = getInt();
            if (n < 0 || n > b.remaining()) bad();
            return n;
        }

        /** Refuses trailing bytes. */
        public void end() {
            if (b.hasRemaining()) bad();
        }

        private void need(long n) {
            if (b.remaining() < n) bad();
        }

        private void bad() {
            throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, what + ": malformed or truncated payload");
        }
    }
}
