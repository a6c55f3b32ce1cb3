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

    @Override
    public Aggregated aggregateMean(int round, double[] global, double[] mean, int nodes, List<Failure> failures) {
        throw new io.meshfl.core.MeshflException(io.meshfl.core.ErrorCode.PLAN_REFUSED, "a coordinate-wise median needs every node's "
                + "update; secure aggregation reveals only their sum");
    }
}
