package io.meshfl.core.protocol.horizontal.privacy;

import io.meshfl.core.crypto.dp.RdpAccountant;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A run's privacy as planned: the mechanism's parameters and the ε they give over all rounds.
 * It also travels to the nodes in the prepare step, so each node can recompute the ε itself and
 * charge its own ledger instead of trusting the coordinator's figure.
 *
 * @param q               sampling rate per round (1 in local mode)
 * @param noiseMultiplier total z the accountant is fed
 * @param rounds          steps of the mechanism
 */
public record PlannedPrivacy(PrivacySettings.Mode mode, double q, double noiseMultiplier, double clip, int rounds,
                             double epsilon, double delta) {

    static final String MODE = "dp_mode";
    static final String Q = "dp_q";
    static final String Z = "dp_noise_multiplier";
    static final String CLIP = "dp_clip";
    static final String ROUNDS = "dp_rounds";
    static final String DELTA = "dp_delta";

    /** ε after {@code k} of the rounds. */
    public double epsilonAfter(int k) {
        return new RdpAccountant().compose(q, noiseMultiplier, Math.max(0, Math.min(k, rounds))).epsilon(delta);
    }

    /** The prepare-step config a node reads with {@link #fromConfig}. */
    public Map<String, String> toConfig() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put(MODE, mode.name().toLowerCase(Locale.ROOT));
        m.put(Q, Double.toString(q));
        m.put(Z, Double.toString(noiseMultiplier));
        m.put(CLIP, Double.toString(clip));
        m.put(ROUNDS, Integer.toString(rounds));
        m.put(DELTA, Double.toString(delta));
        return m;
    }

    /**
     * The plan a prepare step states, with ε recomputed here from its parameters (never read from
     * the message); null when the job asks for no privacy.
     */
    public static PlannedPrivacy fromConfig(Map<String, String> cfg) {
        String mode = cfg.get(MODE);
        if (mode == null) return null;
        PrivacySettings.Mode m = PrivacySettings.Mode.valueOf(mode.toUpperCase(Locale.ROOT));
        double q = Double.parseDouble(cfg.get(Q));
        double z = Double.parseDouble(cfg.get(Z));
        int rounds = Integer.parseInt(cfg.get(ROUNDS));
        double delta = Double.parseDouble(cfg.get(DELTA));
        if (m == PrivacySettings.Mode.LOCAL) q = 1; // a node always knows when it was sampled
        double eps = new RdpAccountant().compose(q, z, rounds).epsilon(delta);
        return new PlannedPrivacy(m, q, z, Double.parseDouble(cfg.get(CLIP)), rounds, eps, delta);
    }
}
