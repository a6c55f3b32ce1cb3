package io.meshfl.core.model;

import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;

/** {@link DenseOps} on EJML; slices that do not start at 0 are copied in and out. */
final class EjmlDenseOps implements DenseOps {

    static final EjmlDenseOps INSTANCE = new EjmlDenseOps();

    @Override
    public void multTransB(int m, int n, int k, double[] a, int aOff, double[] b, int bOff, double[] c, int cOff) {
        DMatrixRMaj cm = view(c, cOff, m, n);
        CommonOps_DDRM.multTransB(view(a, aOff, m, k), view(b, bOff, n, k), cm);
        writeBack(cm, c, cOff);
    }

    @Override
    public void multAddTransA(int m, int n, int k, double[] a, int aOff, double[] b, int bOff, double[] c, int cOff) {
        DMatrixRMaj cm = view(c, cOff, m, n);
        CommonOps_DDRM.multAddTransA(view(a, aOff, k, m), view(b, bOff, k, n), cm);
        writeBack(cm, c, cOff);
    }

    @Override
    public void mult(int m, int n, int k, double[] a, int aOff, double[] b, int bOff, double[] c, int cOff) {
        DMatrixRMaj cm = view(c, cOff, m, n);
        CommonOps_DDRM.mult(view(a, aOff, m, k), view(b, bOff, k, n), cm);
        writeBack(cm, c, cOff);
    }

    private static DMatrixRMaj view(double[] data, int off, int rows, int cols) {
        if (off == 0) return DMatrixRMaj.wrap(rows, cols, data);
        DMatrixRMaj m = new DMatrixRMaj(rows, cols);
        System.arraycopy(data, off, m.data, 0, rows * cols);
        return m;
    }

    private static void writeBack(DMatrixRMaj m, double[] data, int off) {
        if (m.data != data) System.arraycopy(m.data, 0, data, off, m.numRows * m.numCols);
    }
}
