package io.meshfl.core.protocol.factorized;

/**
 * Least squares in closed form from {@code T^T T} and {@code T^T y}, minimizing the same
 * objective as {@link GradientDescent} with {@link GradientDescent.Loss#SQUARED}. On a
 * {@link NormalizedMatrix} both products are computed per source.
 */
public final class NormalEquations {

    private NormalEquations() {
    }

    /**
     * Solves {@code (T^T T + n l2 I) w + T^T 1 b = T^T y} and, with an intercept,
     * {@code 1^T T w + n b = 1^T y}.
     *
     * @throws IllegalArgumentException when the system is singular (e.g. a constant column with an intercept and no penalty)
     */
    public static Model fit(DesignMatrix x, double[] y, double l2, boolean intercept) {
        DenseMatrix.checkLength("y", y, x.rows());
        int n = x.rows();
        int d = x.cols();
        int m = intercept ? d + 1 : d;
        double[] gram = x.gram();
        double[] a = new double[m * m];
        for (int j = 0; j < d; j++) {
            System.arraycopy(gram, j * d, a, j * m, d);
            a[j * m + j] += n * l2;
        }
        double[] rhs = new double[m];
        System.arraycopy(x.transposeTimes(y), 0, rhs, 0, d);
        if (intercept) {
            double[] sums = x.columnStats().sums();
            for (int j = 0; j < d; j++) {
                a[j * m + d] = sums[j];
                a[d * m + j] = sums[j];
            }
            a[d * m + d] = n;
            double ysum = 0;
            for (double v : y) ysum += v;
            rhs[d] = ysum;
        }
        double[] sol = solveSpd(a, rhs, m);
        double[] w = new double[d];
        System.arraycopy(sol, 0, w, 0, d);
        return new Model(w, intercept ? sol[d] : 0);
    }

    /** Cholesky solve of a symmetric positive definite system. */
    static double[] solveSpd(double[] a, double[] b, int m) {
        double[] l = new double[m * m];
        for (int j = 0; j < m; j++) {
            double s = a[j * m + j];
            for (int k = 0; k < j; k++) s -= l[j * m + k] * l[j * m + k];
            if (!(s > 1e-12 * Math.max(1, Math.abs(a[j * m + j])))) {
                throw new IllegalArgumentException("normal equations are singular at column " + j);
            }
            double diag = Math.sqrt(s);
            l[j * m + j] = diag;
            for (int i = j + 1; i < m; i++) {
                double t = a[i * m + j];
                for (int k = 0; k < j; k++) t -= l[i * m + k] * l[j * m + k];
                l[i * m + j] = t / diag;
            }
        }
        double[] z = new double[m];
        for (int i = 0; i < m; i++) {
            double t = b[i];
            for (int k = 0; k < i; k++) t -= l[i * m + k] * z[k];
            z[i] = t / l[i * m + i];
        }
        double[] x = new double[m];
        for (int i = m - 1; i >= 0; i--) {
            double t = z[i];
            for (int k = i + 1; k < m; k++) t -= l[k * m + i] * x[k];
            x[i] = t / l[i * m + i];
        }
        return x;
    }
}
