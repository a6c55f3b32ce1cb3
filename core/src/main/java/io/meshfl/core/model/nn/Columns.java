package io.meshfl.core.model.nn;

import io.meshfl.core.data.Dataset;
import java.util.ArrayList;
import java.util.List;

/**
 * Row-major matrix plumbing between split-learning parties: gathering a batch of a party's rows,
 * concatenating the parties' cut-layer outputs side by side for the top network, and splitting the
 * top network's input gradient back into one block per party. Both halves of a split protocol use
 * these so that they lay out the cut layer identically.
 */
public final class Columns {

    private Columns() {
    }

    /** The feature rows at {@code rows} (indices into {@code data}), as a {@code rows.length x cols} matrix. */
    public static double[] gather(Dataset data, int[] rows) {
        int d = data.cols();
        double[] out = new double[rows.length * d];
        for (int i = 0; i < rows.length; i++) {
            int r = rows[i];
            if (r < 0 || r >= data.rows()) throw new IllegalArgumentException("row index " + r + " is outside [0, " + data.rows() + ")");
            System.arraycopy(data.x(), r * d, out, i * d, d);
        }
        return out;
    }

    /** Side-by-side concatenation of {@code rows x widths[b]} blocks: row i is {@code [block0 row i, block1 row i, ...]}. */
    public static double[] concat(List<double[]> blocks, int[] widths, int rows) {
        if (blocks.size() != widths.length) {
            throw new IllegalArgumentException(blocks.size() + " blocks but " + widths.length + " widths");
        }
        int total = 0;
        for (int b = 0; b < widths.length; b++) {
            Shapes.matrix("block " + b, blocks.get(b), rows, widths[b]);
            total += widths[b];
        }
        double[] out = new double[rows * total];
        int col = 0;
        for (int b = 0; b < widths.length; b++) {
            double[] m = blocks.get(b);
            int w = widths[b];
            for (int i = 0; i < rows; i++) System.arraycopy(m, i * w, out, i * total + col, w);
            col += w;
        }
        return out;
    }

    /** Inverse of {@link #concat}: the {@code rows x widths[b]} blocks of a {@code rows x sum(widths)} matrix. */
    public static List<double[]> split(double[] m, int[] widths, int rows) {
        int total = 0;
        for (int w : widths) total += w;
        Shapes.matrix("matrix", m, rows, total);
        List<double[]> out = new ArrayList<>(widths.length);
        int col = 0;
        for (int w : widths) {
            double[] b = new double[rows * w];
            for (int i = 0; i < rows; i++) System.arraycopy(m, i * total + col, b, i * w, w);
            out.add(b);
            col += w;
        }
        return out;
    }
}
