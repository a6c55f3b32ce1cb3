package io.meshfl.stream.join;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * One hash's entries in a join store, in one value: a count, then each entry length-prefixed, in
 * (event time, position) order. Every entry ({@link Values.LeaderId}, {@link Values.FollowerEvent})
 * starts with its position and its time. A whole hash is one key so that a lookup is one
 * {@code get}: Kafka Streams registers and removes a metric for every iterator a store opens, which
 * made a range scan per event the join's whole cost.
 */
final class Bucket {

    private Bucket() {
    }

    static List<byte[]> entries(byte[] bucket) {
        if (bucket == null) return List.of();
        ByteBuffer bb = ByteBuffer.wrap(bucket);
        int n = bb.getInt();
        List<byte[]> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            byte[] e = new byte[bb.getInt()];
            bb.get(e);
            out.add(e);
        }
        return out;
    }

    static long refOf(byte[] entry) {
        return ByteBuffer.wrap(entry).getLong(0);
    }

    static long timeOf(byte[] entry) {
        return ByteBuffer.wrap(entry).getLong(8);
    }

    /** The bucket with {@code entry} in its place (an entry already there, same position, is replaced). */
    static byte[] add(byte[] bucket, byte[] entry) {
        List<byte[]> es = new ArrayList<>(entries(bucket));
        long t = timeOf(entry);
        long ref = refOf(entry);
        es.removeIf(e -> refOf(e) == ref);
        int at = 0;
        while (at < es.size() && (timeOf(es.get(at)) < t || timeOf(es.get(at)) == t && refOf(es.get(at)) < ref)) at++;
        es.add(at, entry);
        return encode(es);
    }

    /** The bucket without the entry at position {@code ref}, or null when nothing is left. */
    static byte[] remove(byte[] bucket, long ref) {
        List<byte[]> es = new ArrayList<>(entries(bucket));
        es.removeIf(e -> refOf(e) == ref);
        return es.isEmpty() ? null : encode(es);
    }

    private static byte[] encode(List<byte[]> es) {
        int size = 4;
        for (byte[] e : es) size += 4 + e.length;
        ByteBuffer bb = ByteBuffer.allocate(size).putInt(es.size());
        for (byte[] e : es) bb.putInt(e.length).put(e);
        return bb.array();
    }
}
