package io.meshfl.core.model.nn;

/** Argument checks shared by the layers, with messages that name what is wrong. */
final class Shapes {

    private Shapes() {
    }

    static void positive(String what, int v) {
        if (v <= 0) throw new IllegalArgumentException(what + " must be > 0, got " + v);
    }

    static void matrix(String what, double[] m, int rows, int cols) {
        if (rows < 0) throw new IllegalArgumentException("rows must be >= 0, got " + rows);
        if (m.length != (long) rows * cols) {
            throw new IllegalArgumentException(what + " has " + m.length + " cells, expected " + rows + " x " + cols);
        }
    }

    static void slice(double[] params, int offset, int n) {
        if (offset < 0 || (long) offset + n > params.length) {
            throw new IllegalArgumentException("parameter slice [" + offset + ", " + (offset + (long) n)
                    + ") does not fit a vector of length " + params.length);
        }
    }

    static IllegalStateException noForward(String layer) {
        return new IllegalStateException(layer + ".backward called without a forward pass");
    }
}
