package io.meshfl.core.plan.cost;

/**
 * What a training job over normalized sources costs in units the machine constants price: the
 * target rows {@code n0} and the base source's columns {@code d0}, one joined source of {@code nk}
 * rows and {@code dk} columns (several sources add up), and the iterations over the data.
 *
 * @param sources joined (non-base) sources, each adding a gather and a scatter per iteration
 */
public record Workload(long n0, int d0, long nk, int dk, int sources, int iterations) {

    public Workload {
        if (n0 <= 0 || nk <= 0) throw new IllegalArgumentException("row counts must be > 0, got n0=" + n0 + ", nk=" + nk);
        if (d0 < 0 || dk < 0) throw new IllegalArgumentException("column counts must be >= 0, got d0=" + d0 + ", dk=" + dk);
        if (sources < 1) throw new IllegalArgumentException("sources must be >= 1, got " + sources);
        if (iterations < 1) throw new IllegalArgumentException("iterations must be >= 1, got " + iterations);
    }

    /** Target rows per joined-source row (Morpheus' tuple ratio). */
    public double tupleRatio() {
        return (double) n0 / nk;
    }

    /** Joined-source columns per base-source column (Morpheus' feature ratio); infinite with no base columns. */
    public double featureRatio() {
        return d0 == 0 ? Double.POSITIVE_INFINITY : (double) dk / d0;
    }

    /** Cells of the materialized target table. */
    public double targetCells() {
        return (double) n0 * (d0 + (long) dk * sources);
    }

    /** Cells of the sources as stored (what factorized arithmetic touches). */
    public double sourceCells() {
        return (double) n0 * d0 + (double) nk * dk * sources;
    }
}
