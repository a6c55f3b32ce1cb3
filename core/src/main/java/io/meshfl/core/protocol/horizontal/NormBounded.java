package io.meshfl.core.protocol.horizontal;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Norm bounding (Sun et al. 2019, "Can you really backdoor federated learning?") around any
 * strategy: each update's change to the global model is scaled down to at most {@code bound} in
 * L2 norm, then the wrapped strategy aggregates as usual. It bounds how far one node can pull the
 * model per round; it does not detect or drop anyone.
 */
public final class NormBounded implements Strategy {

    private final Strategy inner;
    private final double bound;

    public NormBounded(Strategy inner, double bound) {
        if (!(bound > 0) || Double.isInfinite(bound)) {
            throw new IllegalArgumentException("aggregator.normBound must be a finite number > 0, got " + bound);
        }
        this.inner = inner;
        this.bound = bound;
    }

    @Override
    public String name() {
        return inner.name() + "+normbound";
    }

    @Override
    public List<FitInstruction> configureFit(int round, double[] global, List<String> available, Random rng) {
        return inner.configureFit(round, global, available, rng);
    }

    @Override
    public Aggregated aggregateFit(int round, double[] global, List<FitResult> results, List<Failure> failures) {
        List<FitResult> bounded = new ArrayList<>(results.size());
        int clipped = 0;
        for (FitResult r : results) {
            double[] p = Aggregation.clipDelta(r.params(), global, bound);
            if (p != r.params()) clipped++;
            bounded.add(p == r.params() ? r : new FitResult(r.nodeId(), p, r.numExamples(), r.metrics()));
        }
        Aggregated a = inner.aggregateFit(round, global, bounded, failures);
        Map<String, Double> metrics = new LinkedHashMap<>(a.metrics());
        metrics.put("clipped_updates", (double) clipped);
        return new Aggregated(a.params(), metrics);
    }

    @Override
    public List<String> configureEvaluate(int round, List<String> available, Random rng) {
        return inner.configureEvaluate(round, available, rng);
    }

    @Override
    public Map<String, double[]> state() {
        return inner.state();
    }

    @Override
    public void restore(Map<String, double[]> state) {
        inner.restore(state);
    }
}
