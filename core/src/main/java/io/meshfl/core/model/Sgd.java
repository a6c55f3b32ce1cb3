package io.meshfl.core.model;

/** Stochastic gradient descent with optional heavy-ball momentum: {@code v = momentum*v + g; w -= lr*v}. */
public final class Sgd implements Optimizer {

    private final double lr;
    private final double momentum;
    private double[] velocity;

    public Sgd(double lr, double momentum) {
        OptimizerSpec.checkLr(lr);
        OptimizerSpec.checkMomentum(momentum);
        this.lr = lr;
        this.momentum = momentum;
    }

    @Override
    public void step(double[] params, double[] grad, int t) {
        if (grad.length != params.length) {
            throw new IllegalArgumentException("gradient has length " + grad.length + ", parameters " + params.length);
        }
        if (momentum == 0) {
            for (int i = 0; i < params.length; i++) params[i] -= lr * grad[i];
            return;
        }
        if (velocity == null || velocity.length != params.length) velocity = new double[params.length];
        for (int i = 0; i < params.length; i++) {
            velocity[i] = momentum * velocity[i] + grad[i];
            params[i] -= lr * velocity[i];
        }
    }

    @Override
    public java.util.Map<String, double[]> state() {
        return velocity == null ? java.util.Map.of() : java.util.Map.of("velocity", velocity.clone());
    }

    @Override
    public void restore(java.util.Map<String, double[]> state) {
        velocity = state.containsKey("velocity") ? state.get("velocity").clone() : null;
    }
}
