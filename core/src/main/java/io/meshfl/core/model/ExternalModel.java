package io.meshfl.core.model;

import io.meshfl.core.data.Dataset;

import java.util.List;
import java.util.Random;

/**
 * A model a data scientist brings (PyTorch or any language), trained by a trainer process beside
 * each node. MeshFL holds only its declaration: the flat parameter vector is the declared tensors
 * in order, each row-major. Aggregation, protections and the catalog treat that vector as they do
 * any model's; training and scoring happen in the trainer, through the node.
 *
 * <p>Initial values follow {@link Mlp}'s rule, so an external network laid out as MeshFL's MLP
 * starts from the same vector for the same seed: He normal {@code N(0, 2 / fan_in)} for a tensor of
 * two or more dimensions ({@code [out, in, ...]}, fan-in the product of all but the first), zeros
 * for a vector or a scalar.
 */
public final class ExternalModel implements Model, HasBiases {

    private final ModelSpec spec;
    private final int inputs;
    private final int numParams;
    private final boolean[] bias;

    public ExternalModel(ModelSpec spec, int inputs) {
        if (spec == null || spec.type() != ModelSpec.Type.EXTERNAL) {
            throw new IllegalArgumentException("an external model needs a spec of type external, got " + (spec == null ? null : spec.type()));
        }
        if (inputs < 0) throw new IllegalArgumentException("model inputs must be >= 0, got " + inputs);
        this.spec = spec;
        this.inputs = inputs;
        this.numParams = TensorSpec.total(spec.parameters());
        this.bias = new boolean[numParams];
        int off = 0;
        for (TensorSpec t : spec.parameters()) {
            if (t.shape().size() < 2) java.util.Arrays.fill(bias, off, off + t.size(), true);
            off += t.size();
        }
    }

    /** The declared tensors, in the order of the flat vector. */
    public List<TensorSpec> parameters() {
        return spec.parameters();
    }

    /** The name of the trainer that trains this model. */
    public String trainer() {
        return spec.trainer();
    }

    @Override
    public ModelSpec spec() {
        return spec;
    }

    @Override
    public int inputs() {
        return inputs;
    }

    @Override
    public int numParams() {
        return numParams;
    }

    @Override
    public int outputs() {
        return spec.outputs();
    }

    /** Vectors and scalars count as biases (L2 skips them), as {@link Mlp}'s biases do. */
    @Override
    public boolean isBias(int index) {
        return bias[index];
    }

    @Override
    public void initialize(double[] params, Random rng) {
        if (params == null || params.length != numParams) {
            throw new IllegalArgumentException("parameter vector has length " + (params == null ? "null" : params.length)
                    + ", model expects " + numParams);
        }
        int off = 0;
        for (TensorSpec t : spec.parameters()) {
            int n = t.size();
            if (t.shape().size() >= 2) {
                long fanIn = 1;
                for (int d = 1; d < t.shape().size(); d++) fanIn *= t.shape().get(d);
                double std = Math.sqrt(2.0 / Math.max(1, fanIn));
                for (int i = off; i < off + n; i++) params[i] = rng.nextGaussian() * std;
            } else {
                java.util.Arrays.fill(params, off, off + n, 0.0);
            }
            off += n;
        }
    }

    @Override
    public double lossAndGradient(double[] params, Dataset data, int[] rows, double[] grad) {
        throw new UnsupportedOperationException("the external model of trainer '" + spec.trainer() + "' is trained by that trainer "
                + "beside each node; MeshFL computes no gradient of it");
    }

    @Override
    public void predict(double[] params, Dataset data, double[] out) {
        throw new UnsupportedOperationException("the external model of trainer '" + spec.trainer() + "' scores only through that "
                + "trainer, on a node that runs it");
    }
}
