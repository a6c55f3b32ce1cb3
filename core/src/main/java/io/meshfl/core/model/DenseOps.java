package io.meshfl.core.model;

/**
 * The three row-major matrix products an MLP batch needs. Matrices are slices of larger arrays
 * starting at the given offsets, because weights live inside the flat parameter vector.
 */
interface DenseOps {

    /** {@code C[m x n] = A[m x k] * B[n x k]^T}. */
    void multTransB(int m, int n, int k, double[] a, int aOff, double[] b, int bOff, double[] c, int cOff);

    /** {@code C[m x n] += A[k x m]^T * B[k x n]}. */
    void multAddTransA(int m, int n, int k, double[] a, int aOff, double[] b, int bOff, double[] c, int cOff);

    /** {@code C[m x n] = A[m x k] * B[k x n]}. */
    void mult(int m, int n, int k, double[] a, int aOff, double[] b, int bOff, double[] c, int cOff);
}
