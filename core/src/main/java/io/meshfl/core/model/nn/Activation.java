package io.meshfl.core.model.nn;

/** Element-wise nonlinearities for {@link Network#mlp}, each with the weight init that suits it. */
public enum Activation {
    RELU(Dense.Init.HE),
    TANH(Dense.Init.XAVIER);

    private final Dense.Init init;

    Activation(Dense.Init init) {
        this.init = init;
    }

    /** The init for a dense layer whose output goes through this activation. */
    public Dense.Init init() {
        return init;
    }

    /** A fresh activation layer of the given width. */
    public Layer layer(int width) {
        return this == RELU ? new Relu(width) : new Tanh(width);
    }
}
