package io.meshfl.core.protocol.horizontal;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Federated averaging: sample nodes, train locally, average weighted by example counts. The
 * base of the other strategies, which change only the node settings or the aggregation.
 */
public class FedAvg implements Strategy {

    protected final Sampling sampling;
    protected final LocalSettings local;
    protected final long seed;

    public FedAvg(Sampling sampling, LocalSettings local, long seed) {
        this.sampling = sampling;
        this.local = local;
        this.seed = seed;
    }

    @Override
    public String name() {
        return "fedavg";
    }

    @Override
    public List<FitInstruction> configureFit(int round, double[] global, List<String> available, Random rng) {
        List<FitInstruction> out = new ArrayList<>();
        for (String node : sampling.sample(round, available, rng)) {
            long nodeSeed = seed * 1_000_003L + round * 7919L + node.hashCode();
            Map<String, String> cfg = new java.util.LinkedHashMap<>(local.toConfig(nodeSeed));
            cfg.putAll(extraConfig(round));
            out.add(new FitInstruction(node, cfg));
        }
        return out;
    }

    /** Settings a subclass adds to every node's round config. */
    protected Map<String, String> extraConfig(int round) {
        return Map.of();
    }

    @Override
    public Aggregated aggregateFit(int round, double[] global, List<FitResult> results, List<Failure> failures) {
        sampling.requireEnough(round, results, failures);
        return new Aggregated(combine(global, results), Map.of());
    }

    /** The aggregation proper; FedAvg's is the example-weighted mean. */
    protected double[] combine(double[] global, List<FitResult> results) {
        return fromMean(global, Aggregation.weightedMean(results));
    }

    /** The new global parameters from the example-weighted mean of the nodes' parameters; FedOpt applies its server rule here. */
    protected double[] fromMean(double[] global, double[] mean) {
        return mean;
    }

    @Override
    public Aggregated aggregateMean(int round, double[] global, double[] mean, int nodes, List<Failure> failures) {
        sampling.requireEnough(round, nodes, failures);
        return new Aggregated(fromMean(global, mean), Map.of());
    }

    @Override
    public List<String> configureEvaluate(int round, List<String> available, Random rng) {
        return List.copyOf(available);
    }
}
