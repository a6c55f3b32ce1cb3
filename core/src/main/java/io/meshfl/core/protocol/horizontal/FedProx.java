package io.meshfl.core.protocol.horizontal;

import java.util.Map;

/** FedProx: FedAvg whose nodes add a proximal term mu/2 ||w - w_global||^2 to their local loss. */
public final class FedProx extends FedAvg {

    private final double mu;

    public FedProx(Sampling sampling, LocalSettings local, long seed, double mu) {
        super(sampling, local, seed);
        if (!(mu > 0)) throw new IllegalArgumentException("strategy.proximalMu must be > 0 for fedprox, got " + mu);
        this.mu = mu;
    }

    @Override
    public String name() {
        return "fedprox";
    }

    @Override
    protected Map<String, String> extraConfig(int round) {
        return Map.of("proximal_mu", Double.toString(mu));
    }
}
