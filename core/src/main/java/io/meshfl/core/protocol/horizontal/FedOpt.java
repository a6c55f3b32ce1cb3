package io.meshfl.core.protocol.horizontal;

/**
 * Adaptive server optimizers (Reddi et al., "Adaptive Federated Optimization"): the averaged
 * update minus the global model is a pseudo-gradient fed to Adam or Yogi on the server.
 */
public final class FedOpt extends FedAvg {

    /** The server-side update rule. */
    public enum Rule { ADAM, YOGI }

    private final Rule rule;
    private final double eta;
    private final double beta1;
    private final double beta2;
    private final double tau;
    private double[] m;
    private double[] v;

    public FedOpt(Sampling sampling, LocalSettings local, long seed, Rule rule, double eta, double beta1, double beta2, double tau) {
        super(sampling, local, seed);
        if (!(eta > 0)) throw new IllegalArgumentException("strategy.serverLr must be > 0, got " + eta);
        if (beta1 < 0 || beta1 >= 1) throw new IllegalArgumentException("strategy.beta1 must be in [0, 1), got " + beta1);
        if (beta2 < 0 || beta2 >= 1) throw new IllegalArgumentException("strategy.beta2 must be in [0, 1), got " + beta2);
        if (!(tau > 0)) throw new IllegalArgumentException("strategy.tau must be > 0, got " + tau);
        this.rule = rule;
        this.eta = eta;
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.tau = tau;
    }

    @Override
    public String name() {
        return rule == Rule.ADAM ? "fedadam" : "fedyogi";
    }

    @Override
    protected double[] fromMean(double[] global, double[] avg) {
        int n = global.length;
        if (m == null) {
            m = new double[n];
            v = new double[n];
            java.util.Arrays.fill(v, tau * tau);
        }
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            double d = avg[i] - global[i];
            m[i] = beta1 * m[i] + (1 - beta1) * d;
            double d2 = d * d;
            if (rule == Rule.ADAM) {
                v[i] = beta2 * v[i] + (1 - beta2) * d2;
            } else {
                v[i] = v[i] - (1 - beta2) * d2 * Math.signum(v[i] - d2);
            }
            out[i] = global[i] + eta * m[i] / (Math.sqrt(v[i]) + tau);
        }
        return out;
    }

    @Override
    public java.util.Map<String, double[]> state() {
        return m == null ? java.util.Map.of() : java.util.Map.of("server_m", m.clone(), "server_v", v.clone());
    }

    @Override
    public void restore(java.util.Map<String, double[]> state) {
        if (state.containsKey("server_m")) {
            m = state.get("server_m").clone();
            v = state.get("server_v").clone();
        }
    }
}
