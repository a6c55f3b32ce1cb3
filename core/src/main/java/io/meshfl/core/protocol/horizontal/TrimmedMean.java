package io.meshfl.core.protocol.horizontal;

import java.util.List;

/** Coordinate-wise mean after dropping the {@code beta} fraction of extreme values at each end. */
public final class TrimmedMean extends FedAvg {

    private final double beta;

    public TrimmedMean(Sampling sampling, LocalSettings local, long seed, double beta) {
        super(sampling, local, seed);
        if (beta < 0 || beta >= 0.5) throw new IllegalArgumentException("strategy.trimBeta must be in [0, 0.5), got " + beta);
        this.beta = beta;
    }

    @Override
    public String name() {
        return "trimmedmean";
    }

    @Override
    protected double[] combine(double[] global, List<FitResult> results) {
        return Aggregation.trimmedMean(results, beta);
    }

    @Override
    public Aggregated aggregateMean(int round, double[] global, double[] mean, int nodes, List<Failure> failures) {
        throw new io.meshfl.core.MeshflException(io.meshfl.core.ErrorCode.PLAN_REFUSED, "a coordinate-wise trimmed mean needs every node's "
                + "update; secure aggregation reveals only their sum");
    }
}
