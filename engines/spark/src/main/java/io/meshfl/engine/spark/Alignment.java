package io.meshfl.engine.spark;

import io.meshfl.core.protocol.psi.KeyedOrder;
import org.apache.spark.api.java.JavaRDD;
import scala.Tuple2;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;

/** The pieces of an alignment's last step that the executors and the driver share. */
final class Alignment {

    private Alignment() {
    }

    /** The matched positions in ascending order ({@code [0]}) and each one's rank ({@code [1]}), for a binary search on the executors. */
    static long[][] byPosition(int[] match, int[] rank) {
        Integer[] order = new Integer[match.length];
        for (int i = 0; i < order.length; i++) order[i] = i;
        Arrays.sort(order, (a, b) -> Integer.compare(match[a], match[b]));
        long[] pos = new long[match.length];
        long[] rk = new long[match.length];
        for (int i = 0; i < order.length; i++) {
            pos[i] = match[order[i]];
            rk[i] = rank[order[i]];
        }
        return new long[][]{pos, rk};
    }

    /**
     * The string whose natural order is the intersection's order: the key itself, or (a group among the parties) the hex of
     * its keyed hash, which compares as the hash's unsigned bytes do, then the key, as the node's own side orders them.
     */
    static String orderKey(Long seed, String key) {
        if (seed == null) return key;
        return HexFormat.of().formatHex(KeyedOrder.hashes(seed, new String[]{key})[0]) + key;
    }

    /** (rank or place, row) pairs in the dataset's order, each partition packed as one int array: no object per entity on the driver. */
    static List<int[]> pairs(JavaRDD<Tuple2<Integer, Long>> rdd) {
        List<Tuple2<Integer, int[]>> parts = rdd.mapPartitionsWithIndex((p, it) -> {
            int[] out = new int[64];
            int k = 0;
            while (it.hasNext()) {
                Tuple2<Integer, Long> t = it.next();
                if (k + 2 > out.length) out = Arrays.copyOf(out, out.length * 2);
                out[k++] = t._1();
                out[k++] = Math.toIntExact(t._2());
            }
            return List.of(new Tuple2<>(p, Arrays.copyOf(out, k))).iterator();
        }, true).collect();
        List<Tuple2<Integer, int[]>> ordered = new ArrayList<>(parts);
        ordered.sort((a, b) -> Integer.compare(a._1(), b._1()));
        List<int[]> out = new ArrayList<>();
        for (Tuple2<Integer, int[]> t : ordered) out.add(t._2());
        return out;
    }
}
