package io.meshfl.core.metrics;

import java.util.Arrays;

/**
 * Counts of predicted probabilities in equal-width bins over [0, 1], split by label. Nodes send
 * this instead of per-row scores so the coordinator can compute a federated AUC; the two count
 * vectors add element-wise, so they can also go through secure summation. Scores outside [0, 1]
 * are clamped into the end bins. Mutable and not thread-safe.
 */
public final class ScoreHistogram {

    /** Default resolution. Binning only errs on positive-negative pairs sharing a bin, by half a pair each. */
    public static final int DEFAULT_BINS = 10_000;

    private final long[] pos;
    private final long[] neg;

    public ScoreHistogram() {
        this(DEFAULT_BINS);
    }

    public ScoreHistogram(int bins) {
        if (bins < 1) throw new IllegalArgumentException("histogram bins must be >= 1, got " + bins);
        pos = new long[bins];
        neg = new long[bins];
    }

    public int bins() {
        return pos.length;
    }

    /** Adds one prediction; {@code label > 0.5} counts as positive. */
    public ScoreHistogram add(double score, double label) {
        if (Double.isNaN(score)) throw new IllegalArgumentException("score is NaN");
        int b = bin(score);
        if (Metrics.positive(label)) pos[b]++; else neg[b]++;
        return this;
    }

    /** Adds every {@code (scores[i], labels[i])}. */
    public ScoreHistogram addAll(double[] scores, double[] labels) {
        if (scores.length != labels.length) {
            throw new IllegalArgumentException("got " + scores.length + " scores for " + labels.length + " labels");
        }
        for (int i = 0; i < scores.length; i++) add(scores[i], labels[i]);
        return this;
    }

    /** Adds {@code other}'s counts into this histogram and returns this. */
    public ScoreHistogram merge(ScoreHistogram other) {
        if (other.bins() != bins()) {
            throw new IllegalArgumentException("cannot merge a " + other.bins() + "-bin histogram into a " + bins() + "-bin one");
        }
        for (int i = 0; i < pos.length; i++) {
            pos[i] += other.pos[i];
            neg[i] += other.neg[i];
        }
        return this;
    }

    public long positives() {
        return sum(pos);
    }

    public long negatives() {
        return sum(neg);
    }

    /**
     * AUC of the binned scores: a positive beats every negative in a lower bin and half of those
     * in its own bin. NaN when only one class is present.
     */
    public double auc() {
        double below = 0;
        double sum = 0;
        for (int i = 0; i < pos.length; i++) {
            sum += pos[i] * (below + 0.5 * neg[i]);
            below += neg[i];
        }
        double p = positives(), n = negatives();
        return p == 0 || n == 0 ? Double.NaN : sum / (p * n);
    }

    /** The counts as {@code {positive, negative}} double vectors for the wire. */
    public double[][] toArrays() {
        double[] p = new double[pos.length];
        double[] n = new double[neg.length];
        for (int i = 0; i < pos.length; i++) {
            p[i] = pos[i];
            n[i] = neg[i];
        }
        return new double[][] {p, n};
    }

    /** Rebuilds a histogram from {@link #toArrays()} output, rejecting non-count values. */
    public static ScoreHistogram fromArrays(double[] positive, double[] negative) {
        if (positive == null || negative == null || positive.length != negative.length) {
            throw new IllegalArgumentException("histogram needs two count vectors of equal length");
        }
        ScoreHistogram h = new ScoreHistogram(positive.length);
        for (int i = 0; i < positive.length; i++) {
            h.pos[i] = count(positive[i], "positive", i);
            h.neg[i] = count(negative[i], "negative", i);
        }
        return h;
    }

    /**
     * The non-empty bins only, as {@code {binIndex, positive, negative}}: a node scoring a few
     * hundred rows sends a few hundred bins, not all of them.
     */
    public double[][] toSparse() {
        int k = 0;
        for (int i = 0; i < pos.length; i++) if (pos[i] + neg[i] > 0) k++;
        double[] idx = new double[k];
        double[] p = new double[k];
        double[] n = new double[k];
        int j = 0;
        for (int i = 0; i < pos.length; i++) {
            if (pos[i] + neg[i] > 0) {
                idx[j] = i;
                p[j] = pos[i];
                n[j++] = neg[i];
            }
        }
        return new double[][] {idx, p, n};
    }

    /**
     * Like {@link #toSparse()}, but adjacent non-empty bins are merged until every reported group
     * holds at least {@code minRows} rows (the last group may take in a short remainder), each
     * group placed at its rows' mean bin: with few rows and fine bins, single-row bins would
     * otherwise list the labels of individual rows in score order. Positive-negative pairs inside
     * a group then count half, as pairs sharing a bin always do.
     */
    public double[][] toSparse(int minRows) {
        if (minRows <= 1) return toSparse();
        java.util.List<double[]> groups = new java.util.ArrayList<>();
        long p = 0, n = 0;
        double weighted = 0;
        for (int i = 0; i < pos.length; i++) {
            long c = pos[i] + neg[i];
            if (c == 0) continue;
            p += pos[i];
            n += neg[i];
            weighted += (double) i * c;
            if (p + n >= minRows) {
                groups.add(new double[]{Math.rint(weighted / (p + n)), p, n});
                p = n = 0;
                weighted = 0;
            }
        }
        if (p + n > 0) {
            if (groups.isEmpty()) {
                groups.add(new double[]{Math.rint(weighted / (p + n)), p, n});
            } else {
                double[] last = groups.get(groups.size() - 1);
                double rows = last[1] + last[2];
                last[0] = Math.rint((last[0] * rows + weighted) / (rows + p + n));
                last[1] += p;
                last[2] += n;
            }
        }
        double[][] out = new double[3][groups.size()];
        for (int j = 0; j < groups.size(); j++) {
            for (int k = 0; k < 3; k++) out[k][j] = groups.get(j)[k];
        }
        return out;
    }

    /** Rebuilds a histogram of {@code bins} bins from {@link #toSparse()} output, rejecting bad indices and counts. */
    public static ScoreHistogram fromSparse(int bins, double[] index, double[] positive, double[] negative) {
        if (index.length != positive.length || index.length != negative.length) {
            throw new IllegalArgumentException("sparse histogram needs three vectors of equal length");
        }
        ScoreHistogram h = new ScoreHistogram(bins);
        for (int j = 0; j < index.length; j++) {
            double b = index[j];
            if (!(b >= 0 && b < bins) || b != Math.rint(b)) {
                throw new IllegalArgumentException("sparse histogram bin index " + b + " is outside 0.." + (bins - 1));
            }
            h.pos[(int) b] += count(positive[j], "positive", (int) b);
            h.neg[(int) b] += count(negative[j], "negative", (int) b);
        }
        return h;
    }

    private static long count(double v, String which, int i) {
        // Counts above 2^53 are not exact in a double, so refuse them rather than round silently.
        if (!(v >= 0 && v <= 0x1p53) || v != Math.rint(v)) {
            throw new IllegalArgumentException(which + " count at bin " + i + " is " + v + ", expected a non-negative integer");
        }
        return (long) v;
    }

    private int bin(double score) {
        if (score <= 0) return 0;
        if (score >= 1) return pos.length - 1;
        return Math.min(pos.length - 1, (int) (score * pos.length));
    }

    private static long sum(long[] a) {
        long s = 0;
        for (long v : a) s += v;
        return s;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ScoreHistogram h && Arrays.equals(pos, h.pos) && Arrays.equals(neg, h.neg);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(pos) + Arrays.hashCode(neg);
    }

    @Override
    public String toString() {
        return "ScoreHistogram[bins=" + bins() + ", positives=" + positives() + ", negatives=" + negatives() + "]";
    }
}
