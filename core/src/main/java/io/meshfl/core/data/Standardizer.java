package io.meshfl.core.data;

import java.util.Objects;

/** Scales every feature to zero mean and unit variance with given (typically federated) means and deviations. */
public record Standardizer(double[] mean, double[] std) {

    public Standardizer {
        Objects.requireNonNull(mean, "mean");
        Objects.requireNonNull(std, "std");
        if (mean.length != std.length) {
            throw new IllegalArgumentException("mean has " + mean.length + " entries, std " + std.length);
        }
    }

    public static Standardizer from(ColumnStats merged) {
        return new Standardizer(merged.mean(), merged.std());
    }

    /** A scaled copy; labels and keys are shared. A zero (or non-finite) deviation counts as 1 so constant columns stay finite. */
    public Dataset apply(Dataset data) {
        int d = data.cols();
        if (d != mean.length) {
            throw new IllegalArgumentException("standardizer has " + mean.length + " features, data has " + d);
        }
        double[] out = apply(data.x(), data.rows());
        return new Dataset(data.features(), out, data.y(), data.keys(), data.rows());
    }

    /** {@code rows} row-major rows of these features, scaled into a new array (the one loop every holder of rows runs). */
    public double[] apply(double[] x, int rows) {
        int d = mean.length;
        double[] scale = new double[d];
        for (int j = 0; j < d; j++) {
            double s = std[j];
            scale[j] = s == 0.0 || !Double.isFinite(s) ? 1.0 : 1.0 / s;
        }
        double[] out = new double[rows * d];
        for (int i = 0; i < rows; i++) {
            int off = i * d;
            for (int j = 0; j < d; j++) out[off + j] = (x[off + j] - mean[j]) * scale[j];
        }
        return out;
    }
}
