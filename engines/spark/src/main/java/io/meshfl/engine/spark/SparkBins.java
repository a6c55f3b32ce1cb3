package io.meshfl.engine.spark;

import io.meshfl.core.crypto.paillier.CipherSums;
import io.meshfl.core.crypto.paillier.PaillierPublicKey;
import io.meshfl.core.data.BinnedRows;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import scala.Tuple2;

import java.io.Serializable;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A boosted tree's feature holder's rows as bin numbers, in blocks cached on Spark's executors. A
 * tree's encrypted gradients are broadcast to the executors once; each histogram request is one job
 * in which every task sums, for each node asked about, the ciphertexts of the node's rows it holds by
 * bin (Montgomery products, {@link CipherSums}), and the node multiplies the tasks' sums together
 * (mod n^2: the same ciphertexts as summing every row in one place).
 */
final class SparkBins implements BinnedRows {

    /** Aligned rows {@code [start, start + n)}: their bin numbers {@code [column][row]} as unsigned bytes. */
    record Block(int start, int n, byte[][] bins) implements Serializable {
    }

    private final JavaSparkContext jsc;
    private final JavaRDD<Block> blocks;
    private final int rows;
    private boolean closed;

    SparkBins(JavaSparkContext jsc, JavaRDD<Block> blocks, int rows) {
        this.jsc = jsc;
        this.blocks = blocks;
        this.rows = rows;
    }

    @Override
    public int rows() {
        return rows;
    }

    @Override
    public boolean[] atMost(int column, int bin, int[] asked) {
        // a node's rows (up to every row) go to the executors once each, not inside every task
        Broadcast<long[]> want = jsc.broadcast(SparkRows.wanted(asked));
        boolean[] out = new boolean[asked.length];
        try {
            for (Tuple2<int[], boolean[]> t : SparkRows.run(() -> SparkRows.perCore(jsc, blocks).mapPartitions(it -> {
                long[] wanted = want.value();
                List<Tuple2<int[], boolean[]>> found = new ArrayList<>();
                while (it.hasNext()) {
                    Block b = it.next();
                    SparkRows.Picked p = SparkRows.Picked.of(wanted, b.start(), b.n());
                    boolean[] left = new boolean[p.rows().length];
                    for (int i = 0; i < left.length; i++) left[i] = (b.bins()[column][p.rows()[i] - b.start()] & 0xFF) <= bin;
                    if (left.length > 0) found.add(new Tuple2<>(p.at(), left));
                }
                return found.iterator();
            }).collect())) {
                for (int i = 0; i < t._1().length; i++) out[t._1()[i]] = t._2()[i];
            }
        } finally {
            want.destroy();
        }
        return out;
    }

    @Override
    public Sums sums(PaillierPublicKey pk, BigInteger[] ciphertexts) {
        if (ciphertexts.length != rows) throw new IllegalArgumentException(ciphertexts.length + " ciphertexts for " + rows + " rows");
        Broadcast<BigInteger[]> cts = jsc.broadcast(ciphertexts);
        byte[] key = pk.toBytes();
        BigInteger n2 = pk.nSquared();
        return new Sums() {
            private boolean done;

            @Override
            public BigInteger[][][] of(int[][] sets, int[] columns, int count) {
                long[][] asked = new long[sets.length][];
                for (int s = 0; s < sets.length; s++) asked[s] = SparkRows.wanted(sets[s]);
                // the nodes' rows (a level's, up to every row) go to the executors once each, not inside every task
                Broadcast<long[][]> want = jsc.broadcast(asked);
                List<Tuple2<Integer, BigInteger[][]>> parts;
                try {
                    parts = SparkRows.run(() -> SparkRows.perCore(jsc, blocks).mapPartitions(it -> {
                        long[][] wanted = want.value();
                        List<Block> mine = new ArrayList<>();
                        it.forEachRemaining(mine::add);
                        BigInteger[] all = cts.value();
                        PaillierPublicKey pub = PaillierPublicKey.fromBytes(key);
                        List<Tuple2<Integer, BigInteger[][]>> out = new ArrayList<>();
                        for (int s = 0; s < wanted.length; s++) {
                            // this task's rows of the node: their ciphertexts and bins, gathered, then summed in one place
                            List<SparkRows.Picked> picked = new ArrayList<>();
                            int m = 0;
                            for (Block b : mine) {
                                SparkRows.Picked p = SparkRows.Picked.of(wanted[s], b.start(), b.n());
                                picked.add(p);
                                m += p.rows().length;
                            }
                            if (m == 0) continue;
                            BigInteger[] sub = new BigInteger[m];
                            byte[][] by = new byte[columns.length][m];
                            int k = 0;
                            for (int q = 0; q < mine.size(); q++) {
                                Block b = mine.get(q);
                                SparkRows.Picked p = picked.get(q);
                                for (int i = 0; i < p.rows().length; i++, k++) {
                                    int local = p.rows()[i] - b.start();
                                    sub[k] = all[p.rows()[i]];
                                    for (int j = 0; j < columns.length; j++) by[j][k] = b.bins()[columns[j]][local];
                                }
                            }
                            int[] every = new int[m];
                            for (int i = 0; i < m; i++) every[i] = i;
                            out.add(new Tuple2<>(s, new CipherSums(pub, sub).sums(every, by, count)));
                        }
                        return out.iterator();
                    }).collect());
                } finally {
                    want.destroy();
                }
                BigInteger[][][] out = new BigInteger[sets.length][columns.length][count];
                for (BigInteger[][] o : out) for (BigInteger[] row : o) Arrays.fill(row, BigInteger.ONE);
                for (Tuple2<Integer, BigInteger[][]> t : parts) {
                    BigInteger[][] o = out[t._1()];
                    for (int j = 0; j < columns.length; j++) {
                        for (int b = 0; b < count; b++) o[j][b] = o[j][b].multiply(t._2()[j][b]).mod(n2);
                    }
                }
                return out;
            }

            @Override
            public void close() {
                if (done) return;
                done = true;
                cts.destroy();
            }
        };
    }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        blocks.unpersist(false);
    }
}
