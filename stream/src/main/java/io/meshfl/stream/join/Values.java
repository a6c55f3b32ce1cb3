package io.meshfl.stream.join;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The binary values the join's topics carry. A leader id record holds only a position and an event
 * time (it leaves the leader's domain); a follower record and a match also hold the follower's own
 * cells, which stay in the follower's cluster.
 */
public final class Values {

    private Values() {
    }

    /** A position in a source topic: partition in the top 16 bits, offset in the low 48. */
    public static long ref(int partition, long offset) {
        return ((long) partition << 48) | offset;
    }

    public static int partitionOf(long ref) {
        return (int) (ref >>> 48);
    }

    public static long offsetOf(long ref) {
        return ref & ((1L << 48) - 1);
    }

    /** What the leader sends for one event: where it is in the leader's topic and when it happened. */
    public record LeaderId(long ref, long time) {
        /** The length of an encoded leader id. */
        public static final int BYTES = 16;

        public byte[] encode() {
            return ByteBuffer.allocate(BYTES).putLong(ref).putLong(time).array();
        }

        public static LeaderId decode(byte[] b) {
            ByteBuffer bb = ByteBuffer.wrap(b);
            return new LeaderId(bb.getLong(), bb.getLong());
        }
    }

    /** A follower event as the joiner keeps it: position, event time, and its cells. */
    public record FollowerEvent(long ref, long time, String[] cells) {
        public byte[] encode() {
            return Values.encode(ref, time, -1, -1, cells);
        }

        public static FollowerEvent decode(byte[] b) {
            ByteBuffer bb = ByteBuffer.wrap(b);
            long ref = bb.getLong();
            long time = bb.getLong();
            bb.getLong();
            bb.getLong();
            return new FollowerEvent(ref, time, readCells(bb));
        }
    }

    /** A matched pair: the leader event's position and time, the follower event's, and the follower's cells. */
    public record Match(long leaderRef, long leaderTime, long followerRef, long followerTime, String[] cells) {
        public byte[] encode() {
            return Values.encode(leaderRef, leaderTime, followerRef, followerTime, cells);
        }

        public static Match decode(byte[] b) {
            ByteBuffer bb = ByteBuffer.wrap(b);
            return new Match(bb.getLong(), bb.getLong(), bb.getLong(), bb.getLong(), readCells(bb));
        }
    }

    private static byte[] encode(long a, long b, long c, long d, String[] cells) {
        byte[][] bytes = new byte[cells.length][];
        int size = 32 + 4;
        for (int i = 0; i < cells.length; i++) {
            bytes[i] = cells[i].getBytes(StandardCharsets.UTF_8);
            size += 4 + bytes[i].length;
        }
        ByteBuffer bb = ByteBuffer.allocate(size).putLong(a).putLong(b).putLong(c).putLong(d).putInt(cells.length);
        for (byte[] x : bytes) bb.putInt(x.length).put(x);
        return bb.array();
    }

    private static String[] readCells(ByteBuffer bb) {
        String[] cells = new String[bb.getInt()];
        for (int i = 0; i < cells.length; i++) {
            byte[] x = new byte[bb.getInt()];
            bb.get(x);
            cells[i] = new String(x, StandardCharsets.UTF_8);
        }
        return cells;
    }
}
