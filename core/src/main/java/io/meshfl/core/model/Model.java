package io.meshfl.core.model;

import io.meshfl.core.data.Dataset;

/**
 * A model whose state is one flat parameter vector, so that the same aggregation, encryption
 * and wire code serves every model type. Implementations are stateless: the parameters are
 * always passed in.
 */
public interface Model {

    /** The spec this model was built from. */
    ModelSpec spec();

    /** Number of input features. */
    int inputs();

    /** Length of the flat parameter vector. */
    int numParams();

    /** Number of prediction outputs per row: 1, or the class count for softmax. */
    int outputs();

    /** Fills {@code params} with seeded initial values. */
    void initialize(double[] params, java.util.Random rng);

    /**
     * Adds the gradient of the summed loss over {@code rows} (indices into {@code data}) to
     * {@code grad} and returns the summed loss (no regularisation; callers add it).
     */
    double lossAndGradient(double[] params, Dataset data, int[] rows, double[] grad);

    /**
     * Writes predictions for every row of {@code data} into {@code out} (length rows x outputs):
     * probability of class 1 for binary, class probabilities for softmax, the mean for
     * linear and Poisson regression.
     */
    void predict(double[] params, Dataset data, double[] out);
}
