package io.meshfl.engine.spark;

import io.meshfl.core.contract.DataContract;
import io.meshfl.core.data.AlignedRows;
import io.meshfl.core.data.CellErrors;
import org.apache.spark.Partitioner;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.apache.spark.storage.StorageLevel;
import scala.Tuple2;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Reads a party's aligned rows onto the executors, as the node's own reader would read them: one
 * pass checks every cell of every row (the first fault in row order is raised in the reader's words)
 * and sums each column exactly for mean imputation over the whole product (the same means as the
 * reader's, whose sums are exact too); a second keeps the aligned rows,
 * imputed, and gathers them by aligned position into cached blocks ({@link SparkRows}). Products
 * Spark does not read here (database tables) are left to the node, which its log says.
 */
final class SparkRowsReader implements AlignedRows.Source {

    private final SparkEngine engine;

    SparkRowsReader(SparkEngine engine) {
        this.engine = engine;
    }

    /** One partition's pass over its rows: the column sums and empty cells, its row count, its first fault. */
    static final class Scan implements Serializable {
        final io.meshfl.core.data.ExactSum[] sum;
        final long[] missing;
        long rows;
        CellRules.Problem first;

        Scan(int d) {
            sum = io.meshfl.core.data.ExactSum.of(d);
            missing = new long[d];
        }
    }

    @Override
    public AlignedRows read(DataContract c, List<String> features, String label, int[] rows) {
        if (!SparkProducts.readsHere(c) || rows == null) {
            engine.log("rows of " + c.id() + ": read in the node's JVM, not on Spark: "
                    + (rows == null ? "every row is asked for" : "its data is a database table, read by the node itself"));
            return null;
        }
        try {
            return kept(c, features, label, rows);
        } catch (RuntimeException e) {
            throw SparkErrors.unwrap(e);
        }
    }

    private AlignedRows kept(DataContract c, List<String> features, String label, int[] rows) {
        long[] mark = engine.executors();
        CellRules rules = new CellRules(c, features, label);
        int d = rules.features();
        boolean mean = rules.mean();
        JavaPairRDD<Long, Row> all = SparkProducts.rows(engine.session(), c, rules.columns(), engine::log);
        List<Scan> scans = all.mapPartitions(it -> {
            Scan s = new Scan(d);
            while (it.hasNext()) {
                Tuple2<Long, Row> t = it.next();
                s.rows++;
                try {
                    double[] v = rules.convert(t._1(), t._2());
                    for (int j = 0; j < d; j++) {
                        if (Double.isNaN(v[j])) s.missing[j]++;
                        else if (mean) s.sum[j].add(v[j]);
                    }
                } catch (CellRules.Fault f) {
                    if (s.first == null || f.problem.row() < s.first.row()) s.first = f.problem;
                }
            }
            return List.of(s).iterator();
        }).collect();
        long total = 0;
        io.meshfl.core.data.ExactSum[] sum = io.meshfl.core.data.ExactSum.of(d);
        long[] missing = new long[d];
        CellRules.Problem first = null;
        for (Scan s : scans) {
            total += s.rows;
            io.meshfl.core.data.ExactSum.addAll(sum, s.sum);
            for (int j = 0; j < d; j++) missing[j] += s.missing[j];
            if (s.first != null && (first == null || s.first.row() < first.row())) first = s.first;
        }
        if (first != null) throw first.raise(c, rules.type(first.column()));
        if (total == 0) throw CellErrors.empty(c);
        double[] means = new double[d];
        for (int j = 0; j < d; j++) {
            if (missing[j] == 0 || !rules.mean()) continue;
            long present = total - missing[j];
            if (present == 0) {
                throw CellErrors.noMean(c, features.get(j));
            }
            means[j] = sum[j].value() / present;
        }
        // the aligned rows sorted by product row, each with its aligned position: (row << 32) | position
        long[] wanted = new long[rows.length];
        for (int i = 0; i < rows.length; i++) {
            if (rows[i] < 0) throw new IllegalArgumentException("row " + rows[i]);
            wanted[i] = ((long) rows[i] << 32) | i;
        }
        Arrays.sort(wanted);
        if (wanted.length > 0 && (wanted[wanted.length - 1] >>> 32) >= total) throw CellErrors.fewerRows(c, total, wanted[wanted.length - 1] >>> 32);
        int n = rows.length;
        int blockRows = engine.partitionRows();
        int blocks = Math.max(1, (n + blockRows - 1) / blockRows);
        Broadcast<long[]> want = engine.context().broadcast(wanted);
        boolean labelled = label != null;
        try {
            JavaPairRDD<Integer, double[]> kept = all.mapPartitionsToPair(it -> {
                long[] w = want.value();
                List<Tuple2<Integer, double[]>> out = new ArrayList<>();
                while (it.hasNext()) {
                    Tuple2<Long, Row> t = it.next();
                    long row = t._1();
                    int i = Arrays.binarySearch(w, row << 32);
                    if (i < 0) i = -i - 1;
                    if (i == w.length || (w[i] >>> 32) != row) continue;
                    double[] v = rules.convert(row, t._2());
                    for (int j = 0; j < d; j++) if (Double.isNaN(v[j])) v[j] = means[j];
                    for (; i < w.length && (w[i] >>> 32) == row; i++) out.add(new Tuple2<>((int) w[i], v));
                }
                return out.iterator();
            });
            JavaRDD<SparkRows.Block> made = kept.partitionBy(new ByBlock(blocks, blockRows)).mapPartitionsWithIndex((index, it) -> {
                int start = index * blockRows;
                int size = Math.min(blockRows, n - start);
                double[] x = new double[size * d];
                double[] y = labelled ? new double[size] : null;
                while (it.hasNext()) {
                    Tuple2<Integer, double[]> t = it.next();
                    int at = t._1() - start;
                    System.arraycopy(t._2(), 0, x, at * d, d);
                    if (y != null) y[at] = t._2()[d];
                }
                return List.of(new SparkRows.Block(start, size, x, y)).iterator();
            }, true).persist(StorageLevel.MEMORY_AND_DISK());
            made.count();
            double[] y = null;
            if (labelled) {
                y = new double[n];
                for (Tuple2<Integer, double[]> t : made.map(b -> new Tuple2<>(b.start(), b.y())).collect()) {
                    System.arraycopy(t._2(), 0, y, t._1(), t._2().length);
                }
            }
            engine.log("rows of " + c.id() + ": " + n + " aligned rows of " + total + " in " + blocks + " blocks on Spark's executors ("
                    + engine.executorsSince(mark) + ")");
            return new SparkRows(engine.context(), made, features, n, y);
        } finally {
            want.destroy();
        }
    }

    /** Aligned position p goes to block p / rows. */
    static final class ByBlock extends Partitioner {
        private final int blocks;
        private final int rows;

        ByBlock(int blocks, int rows) {
            this.blocks = blocks;
            this.rows = rows;
        }

        @Override
        public int numPartitions() {
            return blocks;
        }

        @Override
        public int getPartition(Object key) {
            return (Integer) key / rows;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof ByBlock b && b.blocks == blocks && b.rows == rows;
        }

        @Override
        public int hashCode() {
            return 31 * blocks + rows;
        }
    }
}
