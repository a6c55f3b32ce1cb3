package io.meshfl.core.protocol.factorized;

/**
 * A built (materialized) table, row-major: the baseline that factorized training is compared with.
 *
 * @param rows number of rows
 * @param cols number of columns
 * @param data {@code rows x cols} values, row-major
 */
public record DenseMatrix(int rows, int cols, double[] data) implements DesignMatrix {

    public DenseMatrix {
        if (rows < 0 || cols < 0 || (long) rows * cols != data.length) {
            throw new IllegalArgumentException("dense matrix " + rows + " x " + cols + " needs " + ((long) rows * cols)
                    + " values, got " + data.length);
        }
    }

    @Override
    public double[] times(double[] w) {
        checkLength("w", w, cols);
        double[] out = new double[rows];
        for (int i = 0; i < rows; i++) {
            int o = i * cols;
            double s = 0;
            for (int j = 0; j < cols; j++) s += data[o + j] * w[j];
            out[i] = s;
        }
        return out;
    }

    @Override
    public double[] transposeTimes(double[] r) {
        checkLength("r", r, rows);
        double[] g = new double[cols];
        for (int i = 0; i < rows; i++) {
            int o = i * cols;
            double ri = r[i];
            for (int j = 0; j < cols; j++) g[j] += data[o + j] * ri;
        }
        return g;
    }

    @Override
    public ColumnStats columnStats() {
        double[] s = new double[cols];
        double[] q = new double[cols];
        for (int i = 0; i < rows; i++) {
            int o = i * cols;
            for (int j = 0; j < cols; j++) {
                double v = data[o + j];
                s[j] += v;
                q[j] += v * v;
            }
        }
        return new ColumnStats(rows, s, q);
    }

    @Override
    public double[] gram() {
        double[] g = new double[cols * cols];
        for (int i = 0; i < rows; i++) {
            int o = i * cols;
            for (int j = 0; j < cols; j++) {
                double v = data[o + j];
                if (v == 0) continue;
                int gj = j * cols;
                for (int l = j; l < cols; l++) g[gj + l] += v * data[o + l];
            }
        }
        Blocks.mirrorUpper(g, cols);
        return g;
    }

    static void checkLength(String name, double[] v, int expected) {
        if (v.length != expected) {
            throw new IllegalArgumentException(name + " has length " + v.length + ", expected " + expected);
        }
    }
}
