package io.meshfl.core.data;

import io.meshfl.core.crypto.paillier.CipherProducts;
import io.meshfl.core.crypto.paillier.FixedPoint;
import io.meshfl.core.crypto.paillier.PaillierPublicKey;

import java.math.BigInteger;
import java.util.List;
import java.util.stream.IntStream;

/** Aligned rows held in the node's JVM as one dense {@link Dataset}; its loops over row-major arrays are what every holder of rows runs. */
public final class LocalRows implements AlignedRows {

    private final Dataset data;

    LocalRows(Dataset data) {
        this.data = data;
    }

    @Override
    public List<String> features() {
        return data.features();
    }

    @Override
    public int rows() {
        return data.rows();
    }

    @Override
    public double[] y() {
        return data.y();
    }

    @Override
    public ColumnStats stats(int first) {
        int n = Math.min(first, data.rows());
        return ColumnStats.of(data.features(), n, ColumnStats.exactSums(data.x(), data.cols(), n));
    }

    @Override
    public double[] column(int j, int first) {
        int d = data.cols();
        int n = Math.min(first, data.rows());
        double[] out = new double[n];
        for (int i = 0; i < n; i++) out[i] = data.x()[i * d + j];
        return out;
    }

    @Override
    public AlignedRows scaled(Standardizer z) {
        return new LocalRows(z.apply(data));
    }

    @Override
    public double[] scores(int[] rows, double[] w, double[] bias, int outputs) {
        return scores(data.x(), data.cols(), rows, rows == null ? data.rows() : rows.length, 0, w, bias, outputs);
    }

    /**
     * The scores of {@code n} rows of the row-major {@code x} ({@code d} columns): row {@code rows[i] - base}, or row {@code i}
     * when {@code rows} is null; the one loop every holder of rows runs, so scores are the same wherever rows are.
     */
    public static double[] scores(double[] x, int d, int[] rows, int n, int base, double[] w, double[] bias, int outputs) {
        double[] u = new double[n * outputs];
        for (int i = 0; i < n; i++) {
            int off = (rows == null ? i : rows[i] - base) * d;
            for (int c = 0; c < outputs; c++) {
                double s = bias == null ? 0 : bias[c];
                for (int j = 0; j < d; j++) s += x[off + j] * w[c * d + j];
                u[i * outputs + c] = s;
            }
        }
        return u;
    }

    @Override
    public BigInteger[] cipherSums(int[] rows, BigInteger[] c, PaillierPublicKey pk, int fracBits, boolean ones) {
        return cipherSums(data.x(), data.cols(), rows, 0, c, pk, fracBits, ones);
    }

    /**
     * {@link AlignedRows#cipherSums} over rows {@code rows[i] - base} of the row-major {@code x}: the ciphertexts are prepared
     * once and each column is one multi-exponentiation over them ({@link CipherProducts}).
     */
    public static BigInteger[] cipherSums(double[] x, int d, int[] rows, int base, BigInteger[] c, PaillierPublicKey pk, int fracBits, boolean ones) {
        FixedPoint fp = new FixedPoint(pk, fracBits);
        int cols = d + (ones ? 1 : 0);
        long[][] e = new long[cols][rows.length];
        IntStream.range(0, cols).parallel().forEach(j -> {
            for (int i = 0; i < rows.length; i++) e[j][i] = j < d ? fp.encodeLong(x[(rows[i] - base) * d + j]) : fp.encodeLong(1.0);
        });
        return new CipherProducts(pk, c).sumProducts(e);
    }

    @Override
    public AlignedRows concat(AlignedRows more) {
        if (!(more instanceof LocalRows m)) throw new IllegalArgumentException("rows of the node's JVM are joined only with rows of its JVM");
        return new LocalRows(Dataset.concat(List.of(data, m.data)));
    }

    @Override
    public BinnedRows binned(double[][] thresholds) {
        return BinnedRows.of(new io.meshfl.core.model.tree.QuantileBins(thresholds).binIndex(data.x(), data.rows()), data.rows());
    }

    /** The rows as the node's JVM holds them. */
    public Dataset dataset() {
        return data;
    }

    @Override
    public void close() {
        // the rows are the JVM's: nothing to release
    }
}
