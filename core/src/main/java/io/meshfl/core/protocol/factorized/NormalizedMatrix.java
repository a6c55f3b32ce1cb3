package io.meshfl.core.protocol.factorized;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The target table {@code T = sum_k I_k S_k M_k^T} kept as its normalized sources: a base source
 * whose rows are the target rows, and joined sources reached through foreign keys. Every product
 * is computed per source and never builds {@code T}; {@link #materialize()} builds it for
 * comparison. Each target column is fed by exactly one source, so an attribute present in two
 * sources counts once.
 */
public final class NormalizedMatrix implements DesignMatrix {

    /** A source with its dropped columns removed and, for joined sources, its foreign key. */
    private record Part(String name, int rows, int cols, double[] data, int[] target, int[] fk) {
    }

    private final int rows;
    private final int cols;
    private final List<Part> parts;

    private NormalizedMatrix(int rows, int cols, List<Part> parts) {
        this.rows = rows;
        this.cols = cols;
        this.parts = parts;
    }

    /**
     * Describes a target table of {@code columns} columns.
     *
     * @throws IllegalArgumentException naming the source and the row or column when a foreign key
     *                                  is out of range or of the wrong length, a target column is
     *                                  fed twice or by no source, or a mapping is out of range
     */
    public static NormalizedMatrix of(int columns, Source base, List<Join> joins) {
        if (columns < 0) throw new IllegalArgumentException("target column count is negative: " + columns);
        String[] fedBy = new String[columns];
        List<Part> parts = new ArrayList<>();
        parts.add(part(base, null, columns, fedBy));
        for (Join j : joins) {
            Source s = j.source();
            int[] fk = j.foreignKey();
            if (fk.length != base.rows()) {
                throw new IllegalArgumentException("foreign key of source '" + s.name() + "' has " + fk.length
                        + " entries, base source '" + base.name() + "' has " + base.rows() + " rows");
            }
            for (int i = 0; i < fk.length; i++) {
                if (fk[i] < 0 || fk[i] >= s.rows()) {
                    throw new IllegalArgumentException("foreign key of source '" + s.name() + "' at target row " + i
                            + " is " + fk[i] + ", outside its " + s.rows() + " rows");
                }
            }
            parts.add(part(s, fk.clone(), columns, fedBy));
        }
        for (int t = 0; t < columns; t++) {
            if (fedBy[t] == null) throw new IllegalArgumentException("target column " + t + " is fed by no source");
        }
        return new NormalizedMatrix(base.rows(), columns, List.copyOf(parts));
    }

    public static NormalizedMatrix of(int columns, Source base, Join... joins) {
        return of(columns, base, List.of(joins));
    }

    private static Part part(Source s, int[] fk, int columns, String[] fedBy) {
        int[] map = s.targetColumns();
        int kept = 0;
        for (int j = 0; j < map.length; j++) {
            int t = map[j];
            if (t == -1) continue;
            if (t < -1 || t >= columns) {
                throw new IllegalArgumentException("source '" + s.name() + "' column " + j + " maps to target column " + t
                        + ", outside 0.." + (columns - 1) + " (or -1 to drop)");
            }
            if (fedBy[t] != null) {
                throw new IllegalArgumentException("target column " + t + " is mapped twice: by source '" + fedBy[t]
                        + "' and by source '" + s.name() + "' column " + j + "; drop it from one (map to -1)");
            }
            fedBy[t] = s.name();
            kept++;
        }
        if (kept == s.cols()) return new Part(s.name(), s.rows(), kept, s.data(), map.clone(), fk);
        // a packed copy of the kept columns, so every product runs over contiguous rows
        int[] target = new int[kept];
        int[] from = new int[kept];
        for (int j = 0, k = 0; j < map.length; j++) {
            if (map[j] >= 0) {
                target[k] = map[j];
                from[k++] = j;
            }
        }
        double[] packed = new double[s.rows() * kept];
        for (int r = 0; r < s.rows(); r++) {
            for (int k = 0; k < kept; k++) packed[r * kept + k] = s.data()[r * s.cols() + from[k]];
        }
        return new Part(s.name(), s.rows(), kept, packed, target, fk);
    }

    @Override
    public int rows() {
        return rows;
    }

    @Override
    public int cols() {
        return cols;
    }

    /** Number of sources, the base included (index 0). */
    public int sources() {
        return parts.size();
    }

    /** Tuple ratio {@code n_0 / n_k} of source {@code k}. */
    public double tupleRatio(int k) {
        return (double) rows / parts.get(k).rows();
    }

    /** Feature ratio {@code d_k / d_0} of source {@code k}, counting only the columns it feeds. */
    public double featureRatio(int k) {
        return (double) parts.get(k).cols() / parts.get(0).cols();
    }

    /** Morpheus' heuristic: factorize when the tuple ratio exceeds 5 and the feature ratio exceeds 1. */
    public static boolean morpheusFactorizes(double tupleRatio, double featureRatio) {
        return tupleRatio > 5 && featureRatio > 1;
    }

    /** {@code T w = S_0 w_0 + sum_k I_k (S_k w_k)}. */
    @Override
    public double[] times(double[] w) {
        DenseMatrix.checkLength("w", w, cols);
        double[] out = new double[rows];
        for (Part p : parts) {
            if (p.cols() == 0) continue;
            double[] u = Blocks.times(p.data(), p.rows(), p.cols(), gather(w, p.target()));
            if (p.fk() == null) {
                for (int i = 0; i < rows; i++) out[i] += u[i];
            } else {
                int[] fk = p.fk();
                for (int i = 0; i < rows; i++) out[i] += u[fk[i]];
            }
        }
        return out;
    }

    /** {@code T^T r}: per source {@code S_k^T (I_k^T r)}, where {@code I_k^T r} adds {@code r} into the source's rows. */
    @Override
    public double[] transposeTimes(double[] r) {
        DenseMatrix.checkLength("r", r, rows);
        double[] g = new double[cols];
        for (Part p : parts) {
            if (p.cols() == 0) continue;
            double[] bucket = p.fk() == null ? r : scatter(r, p.fk(), p.rows());
            double[] gk = Blocks.transposeTimes(p.data(), p.rows(), p.cols(), bucket);
            int[] t = p.target();
            for (int j = 0; j < gk.length; j++) g[t[j]] = gk[j];
        }
        return g;
    }

    /** Builds {@code T}, {@code rows x cols} row-major. */
    public DenseMatrix materialize() {
        double[] t = new double[rows * cols];
        for (Part p : parts) {
            int[] target = p.target();
            int[] fk = p.fk();
            for (int i = 0; i < rows; i++) {
                int src = (fk == null ? i : fk[i]) * p.cols();
                int dst = i * cols;
                for (int j = 0; j < p.cols(); j++) t[dst + target[j]] = p.data()[src + j];
            }
        }
        return new DenseMatrix(rows, cols, t);
    }

    /** Column statistics from each source row weighted by how many target rows take it. */
    @Override
    public ColumnStats columnStats() {
        double[] s = new double[cols];
        double[] q = new double[cols];
        for (Part p : parts) {
            double[] count = counts(p);
            int[] target = p.target();
            for (int r = 0; r < p.rows(); r++) {
                double c = count[r];
                if (c == 0) continue;
                int o = r * p.cols();
                for (int j = 0; j < p.cols(); j++) {
                    double v = p.data()[o + j];
                    s[target[j]] += c * v;
                    q[target[j]] += c * v * v;
                }
            }
        }
        return new ColumnStats(rows, s, q);
    }

    /**
     * {@code T^T T} from per-source blocks: {@code S_k^T diag(counts_k) S_k} on the diagonal,
     * {@code (I_k^T S_0)^T S_k} between the base and a joined source, and a pass over the target
     * rows pairing the two joined rows between two joined sources.
     */
    @Override
    public double[] gram() {
        double[] g = new double[cols * cols];
        for (int a = 0; a < parts.size(); a++) {
            Part p = parts.get(a);
            double[] count = counts(p);
            double[] block = new double[p.cols() * p.cols()];
            for (int r = 0; r < p.rows(); r++) {
                double c = count[r];
                if (c == 0) continue;
                int o = r * p.cols();
                for (int j = 0; j < p.cols(); j++) {
                    double v = c * p.data()[o + j];
                    for (int l = j; l < p.cols(); l++) block[j * p.cols() + l] += v * p.data()[o + l];
                }
            }
            Blocks.mirrorUpper(block, p.cols());
            put(g, block, p, p);
            for (int b = a + 1; b < parts.size(); b++) {
                Part q = parts.get(b);
                put(g, p.fk() == null ? baseCross(p, q) : joinedCross(p, q), p, q);
            }
        }
        return g;
    }

    /** Adds {@code r} into {@code n} buckets by foreign key: {@code I_k^T r}. */
    private static double[] scatter(double[] r, int[] fk, int n) {
        double[] b = new double[n];
        for (int i = 0; i < fk.length; i++) b[fk[i]] += r[i];
        return b;
    }

    private static double[] gather(double[] w, int[] target) {
        double[] out = new double[target.length];
        for (int j = 0; j < target.length; j++) out[j] = w[target[j]];
        return out;
    }

    private double[] counts(Part p) {
        double[] c = new double[p.rows()];
        if (p.fk() == null) {
            Arrays.fill(c, 1);
        } else {
            for (int f : p.fk()) c[f]++;
        }
        return c;
    }

    /** {@code S_0^T I_k S_k = (I_k^T S_0)^T S_k}: group the base rows by foreign key first. */
    private static double[] baseCross(Part base, Part q) {
        int m = base.cols();
        double[] grouped = new double[q.rows() * m];
        int[] fk = q.fk();
        for (int i = 0; i < fk.length; i++) {
            int o = i * m;
            int d = fk[i] * m;
            for (int j = 0; j < m; j++) grouped[d + j] += base.data()[o + j];
        }
        double[] block = new double[m * q.cols()];
        for (int r = 0; r < q.rows(); r++) {
            for (int j = 0; j < m; j++) {
                double v = grouped[r * m + j];
                if (v == 0) continue;
                for (int l = 0; l < q.cols(); l++) block[j * q.cols() + l] += v * q.data()[r * q.cols() + l];
            }
        }
        return block;
    }

    /** {@code S_p^T I_p^T I_q S_q}: one pass over the target rows, pairing the rows each takes. */
    private static double[] joinedCross(Part p, Part q) {
        double[] block = new double[p.cols() * q.cols()];
        for (int i = 0; i < p.fk().length; i++) {
            int op = p.fk()[i] * p.cols();
            int oq = q.fk()[i] * q.cols();
            for (int j = 0; j < p.cols(); j++) {
                double v = p.data()[op + j];
                if (v == 0) continue;
                for (int l = 0; l < q.cols(); l++) block[j * q.cols() + l] += v * q.data()[oq + l];
            }
        }
        return block;
    }

    /** Writes a {@code p x q} block and its transpose into the target gram matrix. */
    private void put(double[] g, double[] block, Part p, Part q) {
        for (int j = 0; j < p.cols(); j++) {
            for (int l = 0; l < q.cols(); l++) {
                double v = block[j * q.cols() + l];
                g[p.target()[j] * cols + q.target()[l]] = v;
                g[q.target()[l] * cols + p.target()[j]] = v;
            }
        }
    }
}
