package io.meshfl.core.model.nn;

import java.util.Random;

/**
 * One differentiable step of a network over a batch of rows. Parameters are not held by the layer
 * but read from a slice {@code [offset, offset + numParams())} of a flat vector, so a whole network
 * keeps the {@link io.meshfl.core.model.Model} convention of one parameter vector that aggregation,
 * encryption and the wire treat alike.
 *
 * <p>Matrices are row-major {@code double[]}: a batch of {@code rows} inputs is {@code rows x inputs()}.
 * A layer remembers what its last {@link #forward} needs for {@link #backward}, so an instance is
 * confined to one thread and belongs to one network; {@link #copy()} gives an independent one.
 */
public interface Layer {

    /** Columns of the input matrix. */
    int inputs();

    /** Columns of the output matrix. */
    int outputs();

    /** Length of this layer's parameter slice; 0 for activations. */
    int numParams();

    /** Writes seeded initial values into {@code params[offset, offset + numParams())}. */
    void init(double[] params, int offset, Random rng);

    /**
     * Maps {@code in} ({@code rows x inputs()}) to a new {@code rows x outputs()} matrix and keeps
     * what {@link #backward} needs. {@code in} is kept by reference, so callers must not change it
     * before the matching backward.
     */
    double[] forward(double[] params, int offset, double[] in, int rows);

    /**
     * Backpropagates through the last {@link #forward}: {@code gradOut} is the loss gradient with
     * respect to that call's output. Adds the parameter gradient into
     * {@code gradParams[offset, offset + numParams())} and returns the gradient with respect to
     * the input ({@code rows x inputs()}).
     */
    double[] backward(double[] params, int offset, double[] gradOut, double[] gradParams);

    /**
     * Like {@link #backward} but without the input gradient, for the first layer of a network
     * whose inputs are data: it saves a matrix product the size of the forward one.
     */
    default void backwardParams(double[] params, int offset, double[] gradOut, double[] gradParams) {
        backward(params, offset, gradOut, gradParams);
    }

    /** A layer of the same shape and configuration with nothing cached. */
    Layer copy();

    /**
     * A copy for scoring new rows. Differs from {@link #copy()} only for categorical lookups, which
     * then map categories never seen in training to their reserved unknown row instead of failing.
     */
    default Layer forPrediction() {
        return copy();
    }
}
