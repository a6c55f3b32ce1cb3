package io.meshfl.core.protocol.horizontal;

import java.util.List;

/** Coordinate-wise median of the updates: robust to a minority of outlying nodes. */
public final class FedMedian extends FedAvg {

    public FedMedian(Sampling sampling, LocalSettings local, long seed) {
        super(sampling, local, seed);
    }

    @Override
    public String name() {
        return "fedmedian";
    }

    @Override
    protected double[] combine(double[] global, List<FitResult> results) {
        return Aggregation.median(results);
    }
}
