package io.meshfl.core.protocol.factorized;

/** Small dense helpers shared by the matrix types. */
final class Blocks {

    private Blocks() {
    }

    /** Copies the upper triangle of a square row-major matrix onto its lower triangle. */
    static void mirrorUpper(double[] g, int n) {
        for (int j = 0; j < n; j++) {
            for (int l = j + 1; l < n; l++) g[l * n + j] = g[j * n + l];
        }
    }

    /** {@code a x} for a row-major {@code rows x cols} matrix. */
    static double[] times(double[] a, int rows, int cols, double[] x) {
        double[] out = new double[rows];
        for (int i = 0; i < rows; i++) {
            int o = i * cols;
            double s = 0;
            for (int j = 0; j < cols; j++) s += a[o + j] * x[j];
            out[i] = s;
        }
        return out;
    }

    /** {@code a^T r} for a row-major {@code rows x cols} matrix. */
    static double[] transposeTimes(double[] a, int rows, int cols, double[] r) {
        double[] g = new double[cols];
        for (int i = 0; i < rows; i++) {
            int o = i * cols;
            double ri = r[i];
            if (ri == 0) continue;
            for (int j = 0; j < cols; j++) g[j] += a[o + j] * ri;
        }
        return g;
    }
}
