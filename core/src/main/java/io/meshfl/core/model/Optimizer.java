package io.meshfl.core.model;

/** A first-order update rule. Instances carry per-parameter state, so use one per training run. */
public interface Optimizer {

    /**
     * Updates {@code params} in place from {@code grad} (already averaged over the batch and
     * including any regularisation). {@code t} is the 1-based step number.
     */
    void step(double[] params, double[] grad, int t);
}
