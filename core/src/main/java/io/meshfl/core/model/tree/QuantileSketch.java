package io.meshfl.core.model.tree;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * What one holder of some rows tells the others of its columns so that together they cut the same
 * {@link QuantileBins} as over all their rows: per column either every distinct value with its
 * count (exact, when there are at most {@code limit}), or {@code limit} values at evenly spaced
 * ranks, each standing for an equal share of the holder's rows. Merged in a fixed order, the
 * summaries give every holder the same cut points.
 */
public record QuantileSketch(double[][] values, double[][] weights) {

    /** Summaries of at most this many points per column: a rank error below one row in 4096 of a holder's. */
    public static final int LIMIT = 4096;

    /** The sketch of the {@code cols} columns of row-major {@code x} over the rows in {@code rows}. */
    public static QuantileSketch of(double[] x, int[] rows, int cols, int limit) {
        double[][] v = new double[cols][];
        double[][] w = new double[cols][];
        double[] col = new double[rows.length];
        for (int f = 0; f < cols; f++) {
            for (int i = 0; i < rows.length; i++) col[i] = x[rows[i] * cols + f];
            Arrays.sort(col);
            int distinct = 0;
            for (int i = 0; i < col.length; i++) if (i == 0 || col[i] != col[i - 1]) distinct++;
            if (distinct <= limit) {
                v[f] = new double[distinct];
                w[f] = new double[distinct];
                int k = -1;
                for (int i = 0; i < col.length; i++) {
                    if (i == 0 || col[i] != col[i - 1]) v[f][++k] = col[i];
                    w[f][k]++;
                }
            } else {
                v[f] = new double[limit];
                w[f] = new double[limit];
                for (int j = 0; j < limit; j++) {
                    v[f][j] = col[(int) (((long) j * col.length + col.length / 2) / limit)];
                    w[f][j] = (double) col.length / limit;
                }
            }
        }
        return new QuantileSketch(v, w);
    }

    /**
     * The bins of every holder's rows from their sketches in a fixed order: the same rule as {@link
     * QuantileBins#fit} (few values: every value but the largest; otherwise the values at ranks q/bins),
     * with ranks counted by the sketches' weights; equal to it when every sketch is exact.
     */
    public static QuantileBins merge(List<QuantileSketch> sketches, int bins) {
        int cols = sketches.get(0).values().length;
        double[][] t = new double[cols][];
        for (int f = 0; f < cols; f++) {
            int size = 0;
            for (QuantileSketch s : sketches) {
                if (s.values().length != cols) {
                    throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "quantile sketches of " + s.values().length + " and " + cols + " columns");
                }
                size += s.values()[f].length;
            }
            double[][] pts = new double[size][];
            int k = 0;
            for (QuantileSketch s : sketches) for (int i = 0; i < s.values()[f].length; i++) pts[k++] = new double[]{s.values()[f][i], s.weights()[f][i]};
            Arrays.sort(pts, (a, b) -> Double.compare(a[0], b[0]));
            // the distinct values and the rows at or below each
            List<double[]> distinct = new ArrayList<>();
            for (double[] p : pts) {
                if (!distinct.isEmpty() && distinct.get(distinct.size() - 1)[0] == p[0]) distinct.get(distinct.size() - 1)[1] += p[1];
                else distinct.add(new double[]{p[0], p[1]});
            }
            t[f] = cuts(distinct, bins);
        }
        return new QuantileBins(t);
    }

    private static double[] cuts(List<double[]> distinct, int bins) {
        if (distinct.isEmpty()) return new double[0];
        double total = 0;
        for (double[] d : distinct) total += d[1];
        double max = distinct.get(distinct.size() - 1)[0];
        double[] out = new double[bins];
        int k = 0;
        if (distinct.size() <= bins) {
            for (double[] d : distinct) if (d[0] != max) out[k++] = d[0];
            return Arrays.copyOf(out, k);
        }
        long n = Math.round(total);
        int at = 0;
        double below = distinct.get(0)[1];
        for (int q = 1; q < bins; q++) {
            long idx = Math.max(0, ((long) q * n + bins - 1) / bins - 1);
            // the value at 0-based rank idx: the first whose rows at or below it exceed idx
            while (at < distinct.size() - 1 && below <= idx + 1e-9) below += distinct.get(++at)[1];
            double v = distinct.get(at)[0];
            if (v != max && (k == 0 || v > out[k - 1])) out[k++] = v;
        }
        return Arrays.copyOf(out, k);
    }

    /** The sketch as bytes, to seal for another holder. */
    public byte[] encode() {
        int size = 4;
        for (double[] v : values) size += 4 + 16 * v.length;
        ByteBuffer b = ByteBuffer.allocate(size).putInt(values.length);
        for (int f = 0; f < values.length; f++) {
            b.putInt(values[f].length);
            for (double v : values[f]) b.putDouble(v);
            for (double w : weights[f]) b.putDouble(w);
        }
        return b.array();
    }

    /** A sketch of {@code cols} columns from {@link #encode}; {@code from} names the sender in errors. */
    public static QuantileSketch decode(byte[] bytes, int cols, String from) {
        try {
            ByteBuffer b = ByteBuffer.wrap(bytes);
            int c = b.getInt();
            if (c != cols) throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, from + " sent a quantile sketch of " + c + " columns, not " + cols);
            double[][] v = new double[c][], w = new double[c][];
            for (int f = 0; f < c; f++) {
                int k = b.getInt();
                if (k < 0 || k > b.remaining() / 16) throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, from + " sent a malformed quantile sketch");
                v[f] = new double[k];
                w[f] = new double[k];
                for (int i = 0; i < k; i++) v[f][i] = b.getDouble();
                for (int i = 0; i < k; i++) {
                    w[f][i] = b.getDouble();
                    if (!(w[f][i] > 0) || !Double.isFinite(v[f][i])) {
                        throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, from + " sent a quantile sketch with a bad point");
                    }
                }
            }
            if (b.hasRemaining()) throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, from + " sent trailing bytes after its quantile sketch");
            return new QuantileSketch(v, w);
        } catch (java.nio.BufferUnderflowException e) {
            throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, from + " sent a truncated quantile sketch");
        }
    }
}
