package io.meshfl.core.model;

/** A first-order update rule. Instances carry per-parameter state, so use one per training run. */
public interface Optimizer {

    /**
     * Updates {@code params} in place from {@code grad} (already averaged over the batch and
     * including any regularisation). {@code t} is the 1-based step number.
     */
    void step(double[] params, double[] grad, int t);

    /** The per-parameter state the next steps depend on, by name (copies; empty before the first step or when there is none). */
    java.util.Map<String, double[]> state();

    /** Puts back a state {@link #state()} returned, so that the next steps equal those of the optimizer it came from. */
    void restore(java.util.Map<String, double[]> state);
}
