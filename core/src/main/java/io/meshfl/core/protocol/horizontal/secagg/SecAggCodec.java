package io.meshfl.core.protocol.horizontal.secagg;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.crypto.secagg.Ring;
import io.meshfl.core.crypto.secagg.SecAggMessage;
import io.meshfl.core.crypto.secagg.Shamir;
import io.meshfl.core.protocol.Wire;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The byte blobs of secure-aggregation messages: length-prefixed lists of keys, sealed bundles,
 * client ids and shares, and masked vectors at 4 bytes per element for rings of at most 32 bits.
 * Truncated or malformed blobs are refused as protocol failures, naming what was being read.
 */
final class SecAggCodec {

    private static final VarHandle INT_LE = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle LONG_LE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private SecAggCodec() {
    }

    static byte[] keys(List<SecAggMessage.PublicKeys> keys) {
        int n = 4;
        for (SecAggMessage.PublicKeys k : keys) n += 12 + k.channelKey().length + k.maskKey().length;
        ByteBuffer b = ByteBuffer.allocate(n).putInt(keys.size());
        for (SecAggMessage.PublicKeys k : keys) {
            b.putInt(k.client()).putInt(k.channelKey().length).put(k.channelKey()).putInt(k.maskKey().length).put(k.maskKey());
        }
        return b.array();
    }

    static List<SecAggMessage.PublicKeys> keys(byte[] bytes, String what) {
        Wire.In in = new Wire.In(bytes, what);
        int n = in.count();
        List<SecAggMessage.PublicKeys> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) out.add(new SecAggMessage.PublicKeys(in.getInt(), in.getBytes(), in.getBytes()));
        in.end();
        return out;
    }

    static byte[] bundles(List<SecAggMessage.EncryptedShares> shares) {
        int n = 4;
        for (SecAggMessage.EncryptedShares s : shares) n += 12 + s.ciphertext().length;
        ByteBuffer b = ByteBuffer.allocate(n).putInt(shares.size());
        for (SecAggMessage.EncryptedShares s : shares) {
            b.putInt(s.sender()).putInt(s.receiver()).putInt(s.ciphertext().length).put(s.ciphertext());
        }
        return b.array();
    }

    static List<SecAggMessage.EncryptedShares> bundles(byte[] bytes, String what) {
        Wire.In in = new Wire.In(bytes, what);
        int n = in.count();
        List<SecAggMessage.EncryptedShares> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) out.add(new SecAggMessage.EncryptedShares(in.getInt(), in.getInt(), in.getBytes()));
        in.end();
        return out;
    }

    static byte[] ids(Set<Integer> ids) {
        ByteBuffer b = ByteBuffer.allocate(4 + 4 * ids.size()).putInt(ids.size());
        for (int id : new TreeSet<>(ids)) b.putInt(id);
        return b.array();
    }

    static Set<Integer> ids(byte[] bytes, String what) {
        Wire.In in = new Wire.In(bytes, what);
        int n = in.count();
        Set<Integer> out = new TreeSet<>();
        for (int i = 0; i < n; i++) out.add(in.getInt());
        in.end();
        return out;
    }

    static byte[] shares(Map<Integer, Shamir.Share> byOwner) {
        List<byte[]> encoded = new ArrayList<>();
        int n = 4;
        for (Shamir.Share s : byOwner.values()) {
            byte[] e = s.toBytes();
            encoded.add(e);
            n += 8 + e.length;
        }
        ByteBuffer b = ByteBuffer.allocate(n).putInt(byOwner.size());
        int i = 0;
        for (int owner : byOwner.keySet()) b.putInt(owner).putInt(encoded.get(i).length).put(encoded.get(i++));
        return b.array();
    }

    static Map<Integer, Shamir.Share> shares(byte[] bytes, String what) {
        Wire.In in = new Wire.In(bytes, what);
        int n = in.count();
        Map<Integer, Shamir.Share> out = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            int owner = in.getInt();
            if (out.put(owner, Shamir.Share.fromBytes(in.getBytes())) != null) {
                throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, what + ": two shares of client " + owner);
            }
        }
        in.end();
        return out;
    }

    /** Ring elements, little-endian, 4 bytes each in rings of at most 32 bits and 8 otherwise. */
    static byte[] vector(long[] v, Ring ring) {
        boolean narrow = ring.bits() <= 32;
        byte[] out = new byte[v.length * (narrow ? 4 : 8)];
        // array views rather than a ByteBuffer: the JIT turns these loops into plain (vector) moves,
        // a few times faster on 100,000-element updates
        if (narrow) {
            for (int i = 0; i < v.length; i++) INT_LE.set(out, i * 4, (int) v[i]);
        } else {
            for (int i = 0; i < v.length; i++) LONG_LE.set(out, i * 8, v[i]);
        }
        return out;
    }

    static long[] vector(byte[] bytes, Ring ring, int length, String what) {
        long[] out = new long[length];
        addVector(bytes, ring, out, what);
        return out;
    }

    /**
     * {@code acc += vector(bytes)} in the ring, without decoding into a vector of its own: the
     * coordinator keeps one running sum instead of every node's masked vector.
     */
    static void addVector(byte[] bytes, Ring ring, long[] acc, String what) {
        boolean narrow = ring.bits() <= 32;
        int width = narrow ? 4 : 8;
        if (bytes.length != (long) acc.length * width) {
            throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, what + ": " + bytes.length + " bytes, the round expects "
                    + acc.length + " elements of " + width + " bytes");
        }
        long mask = ring.mask();
        if (narrow) {
            for (int i = 0; i < acc.length; i++) acc[i] = (acc[i] + ((int) INT_LE.get(bytes, i * 4) & 0xFFFFFFFFL)) & mask;
        } else {
            for (int i = 0; i < acc.length; i++) acc[i] = (acc[i] + (long) LONG_LE.get(bytes, i * 8)) & mask;
        }
    }
}
