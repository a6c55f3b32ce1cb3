package io.meshfl.core.data;

import java.util.List;
import java.util.Objects;

/**
 * A dense numeric table held by one node: feature matrix in row-major order, an optional label
 * column (null on a party that holds no label) and the entity keys of the rows.
 */
public record Dataset(List<String> features, double[] x, double[] y, String[] keys, int rows) {

    public Dataset {
        Objects.requireNonNull(features, "features");
        Objects.requireNonNull(x, "x");
        features = List.copyOf(features);
        if (x.length != (long) rows * features.size()) {
            throw new IllegalArgumentException("x has " + x.length + " cells, expected " + rows + " x " + features.size());
        }
        if (y != null && y.length != rows) {
            throw new IllegalArgumentException("y has " + y.length + " values, expected " + rows);
        }
        if (keys != null && keys.length != rows) {
            throw new IllegalArgumentException("keys has " + keys.length + " values, expected " + rows);
        }
    }

    public int cols() {
        return features.size();
    }

    public double get(int row, int col) {
        return x[row * features.size() + col];
    }

    public boolean hasLabel() {
        return y != null;
    }

    /** The rows of {@code parts} one after the other (same columns; labels when every part has them). */
    public static Dataset concat(java.util.List<Dataset> parts) {
        int rows = 0;
        boolean labels = true;
        for (Dataset d : parts) {
            rows += d.rows();
            labels &= d.y() != null;
        }
        int cols = parts.get(0).cols();
        double[] x = new double[rows * cols];
        double[] y = labels ? new double[rows] : null;
        int r = 0;
        for (Dataset d : parts) {
            System.arraycopy(d.x(), 0, x, r * cols, d.rows() * cols);
            if (y != null) System.arraycopy(d.y(), 0, y, r, d.rows());
            r += d.rows();
        }
        return new Dataset(parts.get(0).features(), x, y, null, rows);
    }

    /** The rows at the given indices, in that order. */
    public Dataset select(int[] idx) {
        int d = cols();
        double[] nx = new double[idx.length * d];
        double[] ny = y == null ? null : new double[idx.length];
        String[] nk = keys == null ? null : new String[idx.length];
        for (int i = 0; i < idx.length; i++) {
            System.arraycopy(x, idx[i] * d, nx, i * d, d);
            if (ny != null) ny[i] = y[idx[i]];
            if (nk != null) nk[i] = keys[idx[i]];
        }
        return new Dataset(features, nx, ny, nk, idx.length);
    }

    /**
     * The rows at the given indices, in that order, where -1 stands for a row of zeros (an entity
     * another member of a party group holds): a group member's sparse view of the common order.
     */
    public Dataset selectSparse(int[] idx) {
        int d = cols();
        double[] nx = new double[idx.length * d];
        double[] ny = y == null ? null : new double[idx.length];
        for (int i = 0; i < idx.length; i++) {
            if (idx[i] < 0) continue;
            System.arraycopy(x, idx[i] * d, nx, i * d, d);
            if (ny != null) ny[i] = y[idx[i]];
        }
        return new Dataset(features, nx, ny, null, idx.length);
    }

    /**
     * These rows spread over {@code idx.length} positions: row k at the position of {@code idx}'s k-th non-negative entry, a
     * row of zeros where {@code idx} is -1. {@code all.select(own).spread(idx)}, {@code own} the non-negative entries of
     * {@code idx} in order, is {@code all.selectSparse(idx)}.
     */
    public Dataset spread(int[] idx) {
        int d = cols();
        double[] nx = new double[idx.length * d];
        double[] ny = y == null ? null : new double[idx.length];
        int k = 0;
        for (int i = 0; i < idx.length; i++) {
            if (idx[i] < 0) continue;
            if (k == rows) throw new IllegalArgumentException("spread: " + rows + " rows for more positions");
            System.arraycopy(x, k * d, nx, i * d, d);
            if (ny != null) ny[i] = y[k];
            k++;
        }
        if (k != rows) throw new IllegalArgumentException("spread: " + rows + " rows for " + k + " positions");
        return new Dataset(features, nx, ny, null, idx.length);
    }

    /** The mean of every column over these rows (zeros when there are none). */
    public double[] columnMeans() {
        int d = cols();
        double[] m = new double[d];
        for (int i = 0; i < rows; i++) for (int j = 0; j < d; j++) m[j] += x[i * d + j];
        if (rows > 0) for (int j = 0; j < d; j++) m[j] /= rows;
        return m;
    }

    /** These rows and one more, {@code row}, at the end, with no label or key. */
    public Dataset withRow(double[] row) {
        int d = cols();
        if (row.length != d) throw new IllegalArgumentException("row has " + row.length + " values, expected " + d);
        double[] nx = java.util.Arrays.copyOf(x, x.length + d);
        System.arraycopy(row, 0, nx, x.length, d);
        return new Dataset(features, nx, null, null, rows + 1);
    }
}
