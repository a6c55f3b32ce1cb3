package io.meshfl.core.model;

/** Adam (Kingma and Ba) with bias-corrected first and second moment estimates. */
public final class Adam implements Optimizer {

    private final double lr;
    private final double beta1;
    private final double beta2;
    private final double eps;
    private double[] m;
    private double[] v;

    public Adam(double lr, double beta1, double beta2, double eps) {
        OptimizerSpec.checkLr(lr);
        if (!(beta1 >= 0 && beta1 < 1)) throw new IllegalArgumentException("optimizer.beta1 must be in [0, 1), got " + beta1);
        if (!(beta2 >= 0 && beta2 < 1)) throw new IllegalArgumentException("optimizer.beta2 must be in [0, 1), got " + beta2);
        if (!(eps > 0 && Double.isFinite(eps))) throw new IllegalArgumentException("optimizer.eps must be > 0, got " + eps);
        this.lr = lr;
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
    }

    /** Adam with the usual defaults beta1 = 0.9, beta2 = 0.999, eps = 1e-8. */
    public Adam(double lr) {
        this(lr, 0.9, 0.999, 1e-8);
    }

    @Override
    public void step(double[] params, double[] grad, int t) {
        if (grad.length != params.length) {
            throw new IllegalArgumentException("gradient has length " + grad.length + ", parameters " + params.length);
        }
        if (t < 1) throw new IllegalArgumentException("step number t must be >= 1, got " + t);
        if (m == null || m.length != params.length) {
            m = new double[params.length];
            v = new double[params.length];
        }
        double c1 = 1 - Math.pow(beta1, t);
        double c2 = 1 - Math.pow(beta2, t);
        for (int i = 0; i < params.length; i++) {
            double g = grad[i];
            m[i] = beta1 * m[i] + (1 - beta1) * g;
            v[i] = beta2 * v[i] + (1 - beta2) * g * g;
            params[i] -= lr * (m[i] / c1) / (Math.sqrt(v[i] / c2) + eps);
        }
    }

    @Override
    public java.util.Map<String, double[]> state() {
        return m == null ? java.util.Map.of() : java.util.Map.of("m", m.clone(), "v", v.clone());
    }

    @Override
    public void restore(java.util.Map<String, double[]> state) {
        m = state.containsKey("m") ? state.get("m").clone() : null;
        v = state.containsKey("v") ? state.get("v").clone() : null;
        if ((m == null) != (v == null)) throw new IllegalArgumentException("an Adam state needs both moments, m and v");
    }
}
