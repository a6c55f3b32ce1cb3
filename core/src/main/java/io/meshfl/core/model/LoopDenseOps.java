package io.meshfl.core.model;

/** Plain-loop {@link DenseOps}, ordered so inner loops run over contiguous rows. */
final class LoopDenseOps implements DenseOps {

    static final LoopDenseOps INSTANCE = new LoopDenseOps();

    @Override
    public void multTransB(int m, int n, int k, double[] a, int aOff, double[] b, int bOff, double[] c, int cOff) {
        for (int i = 0; i < m; i++) {
            int ai = aOff + i * k;
            int ci = cOff + i * n;
            int j = 0;
            // Four output columns at once: each A element is loaded once for four independent sums.
            for (; j + 3 < n; j += 4) {
                int b0 = bOff + j * k, b1 = b0 + k, b2 = b1 + k, b3 = b2 + k;
                double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
                for (int p = 0; p < k; p++) {
                    double av = a[ai + p];
                    s0 += av * b[b0 + p];
                    s1 += av * b[b1 + p];
                    s2 += av * b[b2 + p];
                    s3 += av * b[b3 + p];
                }
                c[ci + j] = s0;
                c[ci + j + 1] = s1;
                c[ci + j + 2] = s2;
                c[ci + j + 3] = s3;
            }
            for (; j < n; j++) {
                int bj = bOff + j * k;
                double s = 0;
                for (int p = 0; p < k; p++) s += a[ai + p] * b[bj + p];
                c[ci + j] = s;
            }
        }
    }

    @Override
    public void multAddTransA(int m, int n, int k, double[] a, int aOff, double[] b, int bOff, double[] c, int cOff) {
        // Row i of C stays in cache while the k rows of B stream past it.
        for (int i = 0; i < m; i++) {
            int ci = cOff + i * n;
            for (int p = 0; p < k; p++) {
                double av = a[aOff + p * m + i];
                if (av == 0) continue; // ReLU zeroes many deltas
                int bp = bOff + p * n;
                for (int j = 0; j < n; j++) c[ci + j] += av * b[bp + j];
            }
        }
    }

    @Override
    public void mult(int m, int n, int k, double[] a, int aOff, double[] b, int bOff, double[] c, int cOff) {
        for (int i = 0; i < m; i++) {
            int ci = cOff + i * n;
            java.util.Arrays.fill(c, ci, ci + n, 0.0);
            int ai = aOff + i * k;
            for (int p = 0; p < k; p++) {
                double av = a[ai + p];
                if (av == 0) continue;
                int bp = bOff + p * n;
                for (int j = 0; j < n; j++) c[ci + j] += av * b[bp + j];
            }
        }
    }
}
