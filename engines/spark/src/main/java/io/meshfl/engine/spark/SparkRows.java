package io.meshfl.engine.spark;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.crypto.paillier.PaillierPublicKey;
import io.meshfl.core.data.AlignedRows;
import io.meshfl.core.data.ColumnStats;
import io.meshfl.core.data.LocalRows;
import io.meshfl.core.data.Standardizer;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.storage.StorageLevel;
import scala.Tuple2;

import java.io.Serializable;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A party's aligned rows on Spark's executors: blocks of consecutive aligned rows, one block a
 * partition, cached where the executors run (spilled to their encrypted local disk when memory is
 * short). The per-row arithmetic runs on the blocks, a job over as many tasks as the engine has
 * cores: scores of a batch's rows, each task's ciphertext products over its rows (multiplied
 * together on the driver, which equals the product over every row), column sums and scaling. The
 * driver holds the labels and results of the size the protocol sends on.
 */
final class SparkRows implements AlignedRows {

    /** Aligned rows {@code [start, start + n)}: features row-major, labels (null when none were read). */
    record Block(int start, int n, double[] x, double[] y) implements Serializable {
    }

    private final JavaSparkContext jsc;
    private final JavaRDD<Block> blocks;
    private final List<String> features;
    private final int rows;
    private final double[] y;

    SparkRows(JavaSparkContext jsc, JavaRDD<Block> blocks, List<String> features, int rows, double[] y) {
        this.jsc = jsc;
        this.blocks = blocks;
        this.features = List.copyOf(features);
        this.rows = rows;
        this.y = y;
    }

    @Override
    public List<String> features() {
        return features;
    }

    @Override
    public int rows() {
        return rows;
    }

    @Override
    public double[] y() {
        return y;
    }

    @Override
    public ColumnStats stats(int first) {
        int d = features.size();
        // exact sums per block, merged here: the same sums as one pass over every row
        List<io.meshfl.core.data.ExactSum[]> parts = run(() -> blocks.map(b ->
                ColumnStats.exactSums(b.x(), d, Math.max(0, Math.min(b.n(), first - b.start())))).collect());
        io.meshfl.core.data.ExactSum[] sums = io.meshfl.core.data.ExactSum.of(2 * d);
        for (io.meshfl.core.data.ExactSum[] s : parts) io.meshfl.core.data.ExactSum.addAll(sums, s);
        return ColumnStats.of(features, Math.min(first, rows), sums);
    }

    @Override
    public double[] column(int j, int first) {
        int d = features.size();
        double[] out = new double[Math.min(first, rows)];
        for (Tuple2<Integer, double[]> t : run(() -> blocks.map(b -> {
            int n = Math.max(0, Math.min(b.n(), first - b.start()));
            double[] c = new double[n];
            for (int i = 0; i < n; i++) c[i] = b.x()[i * d + j];
            return new Tuple2<>(b.start(), c);
        }).collect())) {
            if (t._2().length > 0) System.arraycopy(t._2(), 0, out, t._1(), t._2().length);
        }
        return out;
    }

    @Override
    public AlignedRows scaled(Standardizer z) {
        double[] mean = z.mean();
        double[] std = z.std();
        JavaRDD<Block> out = blocks.map(b -> new Block(b.start(), b.n(), new Standardizer(mean, std).apply(b.x(), b.n()), b.y()))
                .persist(StorageLevel.MEMORY_AND_DISK());
        // made now: the rows these are scaled from may be released next
        run(out::count);
        return new SparkRows(jsc, out, features, rows, y);
    }

    @Override
    public double[] scores(int[] rows, double[] w, double[] bias, int outputs) {
        int d = features.size();
        double[] u = new double[(rows == null ? this.rows : rows.length) * outputs];
        if (rows == null) {
            for (Tuple2<Integer, double[]> t : run(() -> blocks.map(b -> new Tuple2<>(b.start(),
                    LocalRows.scores(b.x(), d, null, b.n(), 0, w, bias, outputs))).collect())) {
                System.arraycopy(t._2(), 0, u, t._1() * outputs, t._2().length);
            }
            return u;
        }
        long[] wanted = wanted(rows);
        for (Tuple2<int[], double[]> t : run(() -> perCore().mapPartitions(it -> {
            List<Tuple2<int[], double[]>> out = new ArrayList<>();
            while (it.hasNext()) {
                Block b = it.next();
                Picked p = Picked.of(wanted, b.start(), b.n());
                if (p.rows.length > 0) out.add(new Tuple2<>(p.at, LocalRows.scores(b.x(), d, p.rows, p.rows.length, b.start(), w, bias, outputs)));
            }
            return out.iterator();
        }).collect())) {
            int[] at = t._1();
            for (int i = 0; i < at.length; i++) System.arraycopy(t._2(), i * outputs, u, at[i] * outputs, outputs);
        }
        return u;
    }

    @Override
    public BigInteger[] cipherSums(int[] rows, BigInteger[] c, PaillierPublicKey pk, int fracBits, boolean ones) {
        if (c.length != rows.length) {
            throw new MeshflException(ErrorCode.CRYPTO_FAILURE, "cipherSums: " + rows.length + " rows but " + c.length + " ciphertexts");
        }
        int d = features.size();
        int cols = d + (ones ? 1 : 0);
        long[] wanted = wanted(rows);
        byte[] key = pk.toBytes();
        Broadcast<BigInteger[]> cts = jsc.broadcast(c);
        try {
            // each task: one multi-exponentiation per column over the batch's rows in its blocks; the driver multiplies the tasks'
            List<BigInteger[]> parts = run(() -> perCore().mapPartitions(it -> {
                List<Block> mine = new ArrayList<>();
                List<Picked> picked = new ArrayList<>();
                int m = 0;
                while (it.hasNext()) {
                    Block b = it.next();
                    Picked p = Picked.of(wanted, b.start(), b.n());
                    if (p.rows.length == 0) continue;
                    mine.add(b);
                    picked.add(p);
                    m += p.rows.length;
                }
                if (m == 0) return java.util.Collections.<BigInteger[]>emptyIterator();
                double[] x = new double[m * d];
                int[] local = new int[m];
                BigInteger[] sub = new BigInteger[m];
                BigInteger[] all = cts.value();
                int k = 0;
                for (int q = 0; q < mine.size(); q++) {
                    Block b = mine.get(q);
                    Picked p = picked.get(q);
                    for (int i = 0; i < p.rows.length; i++, k++) {
                        System.arraycopy(b.x(), (p.rows[i] - b.start()) * d, x, k * d, d);
                        local[k] = k;
                        sub[k] = all[p.at[i]];
                    }
                }
                return java.util.Collections.singletonList(LocalRows.cipherSums(x, d, local, 0, sub, PaillierPublicKey.fromBytes(key), fracBits, ones)).iterator();
            }).collect());
            BigInteger n2 = pk.nSquared();
            BigInteger[] out = new BigInteger[cols];
            Arrays.fill(out, BigInteger.ONE);
            for (BigInteger[] part : parts) {
                for (int j = 0; j < cols; j++) out[j] = out[j].multiply(part[j]).mod(n2);
            }
            return out;
        } finally {
            cts.destroy();
        }
    }

    @Override
    public AlignedRows concat(AlignedRows more) {
        int shift = rows;
        JavaRDD<Block> tail;
        if (more instanceof SparkRows m) {
            tail = m.blocks.map(b -> new Block(b.start() + shift, b.n(), b.x(), b.y()));
        } else {
            // rows the node read itself (a database table): they join these on the executors
            io.meshfl.core.data.Dataset ds = ((LocalRows) more).dataset();
            tail = jsc.parallelize(List.of(new Block(shift, ds.rows(), ds.x(), ds.y())), 1);
        }
        JavaRDD<Block> out = blocks.union(tail).persist(StorageLevel.MEMORY_AND_DISK());
        run(out::count);
        double[] ys = null;
        if (y != null && more.y() != null) {
            ys = Arrays.copyOf(y, rows + more.rows());
            System.arraycopy(more.y(), 0, ys, rows, more.rows());
        }
        return new SparkRows(jsc, out, features, rows + more.rows(), ys);
    }

    @Override
    public io.meshfl.core.data.BinnedRows binned(double[][] thresholds) {
        JavaRDD<SparkBins.Block> out = blocks.map(b -> new SparkBins.Block(b.start(), b.n(),
                new io.meshfl.core.model.tree.QuantileBins(thresholds).binIndex(b.x(), b.n()))).persist(StorageLevel.MEMORY_AND_DISK());
        run(out::count);
        return new SparkBins(jsc, out, rows);
    }

    private boolean closed;

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        blocks.unpersist(false);
    }

    private JavaRDD<Block> perCore() {
        return perCore(jsc, blocks);
    }

    /** Blocks as one task per core (no shuffle: each task reads its blocks where they are cached). */
    static <T> JavaRDD<T> perCore(JavaSparkContext jsc, JavaRDD<T> blocks) {
        int cores = Math.max(1, jsc.defaultParallelism());
        return blocks.getNumPartitions() <= cores ? blocks : blocks.coalesce(cores);
    }

    /** The rows asked for, sorted, each with its place in the request: (row << 32) | place. */
    static long[] wanted(int[] rows) {
        long[] w = new long[rows.length];
        for (int i = 0; i < rows.length; i++) w[i] = ((long) rows[i] << 32) | i;
        Arrays.sort(w);
        return w;
    }

    /** The requested rows within one block of rows {@code [start, start + n)}, and each one's place in the request. */
    record Picked(int[] rows, int[] at) {
        static Picked of(long[] wanted, int start, int n) {
            int lo = firstAtLeast(wanted, start);
            int hi = firstAtLeast(wanted, (long) start + n);
            int[] rows = new int[hi - lo];
            int[] at = new int[hi - lo];
            for (int i = lo; i < hi; i++) {
                rows[i - lo] = (int) (wanted[i] >>> 32);
                at[i - lo] = (int) wanted[i];
            }
            return new Picked(rows, at);
        }

        private static int firstAtLeast(long[] wanted, long row) {
            int i = Arrays.binarySearch(wanted, row << 32);
            return i >= 0 ? i : -i - 1;
        }
    }

    static <T> T run(java.util.function.Supplier<T> job) {
        try {
            return job.get();
        } catch (RuntimeException e) {
            throw SparkErrors.unwrap(e);
        }
    }
}
