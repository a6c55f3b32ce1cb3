package io.meshfl.core.protocol.horizontal;

import java.util.List;
import java.util.Random;

/**
 * A federated strategy only configures a round and aggregates its results; the round loop lives
 * in {@link HorizontalRunner}. Failures are part of the contract: a strategy decides whether
 * the results it got are enough.
 */
public interface Strategy {

    /** Short name recorded in the plan and the run, e.g. {@code fedavg}. */
    String name();

    /** Picks the nodes for this round among {@code available} and gives each its settings. */
    List<FitInstruction> configureFit(int round, double[] global, List<String> available, Random rng);

    /** Combines the round's results into new global parameters. */
    Aggregated aggregateFit(int round, double[] global, List<FitResult> results, List<Failure> failures);

    /**
     * Combines a round run under secure aggregation, where the coordinator holds only the
     * example-weighted mean of the {@code nodes} surviving nodes' parameters, never one node's.
     * Only strategies whose rule is a function of that mean may override this.
     */
    default Aggregated aggregateMean(int round, double[] global, double[] mean, int nodes, List<Failure> failures) {
        throw new io.meshfl.core.MeshflException(io.meshfl.core.ErrorCode.PLAN_REFUSED, "aggregator " + name()
                + " needs every node's update and cannot aggregate the sum that secure aggregation reveals");
    }

    /** Picks the nodes that evaluate the new global model. */
    List<String> configureEvaluate(int round, List<String> available, Random rng);

    /**
     * What the strategy carries from one round to the next besides the global model (a server
     * optimizer's moments), committed with each round so a resumed run goes on exactly; empty for
     * strategies that carry nothing.
     */
    default java.util.Map<String, double[]> state() {
        return java.util.Map.of();
    }

    /** Takes back what {@link #state()} returned at the round a run resumes from. */
    default void restore(java.util.Map<String, double[]> state) {
    }
}
