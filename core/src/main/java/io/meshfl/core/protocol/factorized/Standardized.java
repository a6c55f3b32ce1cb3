package io.meshfl.core.protocol.factorized;

/**
 * A table with every column centred and scaled to unit variance, {@code (T - 1 mu^T) D^-1},
 * expressed through the inner table's own products so a factorized table stays factorized.
 * Constant columns are centred and left unscaled.
 */
public final class Standardized implements DesignMatrix {

    private final DesignMatrix inner;
    private final double[] mean;
    private final double[] scale;

    private Standardized(DesignMatrix inner, double[] mean, double[] scale) {
        this.inner = inner;
        this.mean = mean;
        this.scale = scale;
    }

    /** Standardizes {@code inner} with its own column statistics. */
    public static Standardized of(DesignMatrix inner) {
        ColumnStats stats = inner.columnStats();
        double[] scale = stats.standardDeviations();
        for (int j = 0; j < scale.length; j++) if (scale[j] == 0) scale[j] = 1;
        return new Standardized(inner, stats.means(), scale);
    }

    public double[] means() {
        return mean.clone();
    }

    public double[] scales() {
        return scale.clone();
    }

    /**
     * The model on the raw columns that gives the same scores as {@code m} on the standardized
     * ones: {@code w_j / s_j} and intercept {@code b - sum_j mu_j w_j / s_j}.
     */
    public Model unscale(Model m) {
        double[] w = new double[mean.length];
        double b = m.intercept();
        for (int j = 0; j < w.length; j++) {
            w[j] = m.weights()[j] / scale[j];
            b -= mean[j] * w[j];
        }
        return new Model(w, b);
    }

    @Override
    public int rows() {
        return inner.rows();
    }

    @Override
    public int cols() {
        return inner.cols();
    }

    @Override
    public double[] times(double[] w) {
        DenseMatrix.checkLength("w", w, cols());
        double[] v = new double[w.length];
        double shift = 0;
        for (int j = 0; j < w.length; j++) {
            v[j] = w[j] / scale[j];
            shift += mean[j] * v[j];
        }
        double[] out = inner.times(v);
        for (int i = 0; i < out.length; i++) out[i] -= shift;
        return out;
    }

    @Override
    public double[] transposeTimes(double[] r) {
        double[] g = inner.transposeTimes(r);
        double total = 0;
        for (double x : r) total += x;
        for (int j = 0; j < g.length; j++) g[j] = (g[j] - mean[j] * total) / scale[j];
        return g;
    }

    @Override
    public ColumnStats columnStats() {
        ColumnStats in = inner.columnStats();
        int n = in.rows();
        double[] s = new double[cols()];
        double[] q = new double[cols()];
        for (int j = 0; j < s.length; j++) {
            double mu = mean[j];
            s[j] = (in.sums()[j] - n * mu) / scale[j];
            q[j] = (in.sumsOfSquares()[j] - 2 * mu * in.sums()[j] + n * mu * mu) / (scale[j] * scale[j]);
        }
        return new ColumnStats(n, s, q);
    }

    @Override
    public double[] gram() {
        int d = cols();
        int n = rows();
        double[] g = inner.gram();
        double[] sums = inner.columnStats().sums();
        for (int j = 0; j < d; j++) {
            for (int l = 0; l < d; l++) {
                g[j * d + l] = (g[j * d + l] - mean[j] * sums[l] - mean[l] * sums[j] + n * mean[j] * mean[l])
                        / (scale[j] * scale[l]);
            }
        }
        return g;
    }
}
