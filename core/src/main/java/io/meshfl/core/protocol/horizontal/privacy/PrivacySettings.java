package io.meshfl.core.protocol.horizontal.privacy;

import io.meshfl.core.crypto.dp.PrivacyBudget;
import io.meshfl.core.crypto.dp.RdpAccountant;

/**
 * The {@code privacy:} block of a job: client-level differential privacy for horizontal training.
 * The protected unit is one node's whole contribution (its update in a round), so the guarantee
 * covers every row of a domain at once.
 *
 * @param mode            {@link Mode#CENTRAL}: the coordinator adds noise to the mean of clipped
 *                        updates (DP-FedAvg); {@link Mode#LOCAL}: every node noises its own
 *                        clipped update before it leaves the domain
 * @param clipping        fixed clipping norm, or adaptive (the norm follows a target quantile)
 * @param clipAtNode      true: nodes clip their own deltas (needed when only a secure sum reaches
 *                        the coordinator); false: the coordinator clips what it receives
 * @param clip            the clipping norm C, the starting norm under adaptive clipping
 * @param noiseMultiplier z, noise sd over C; NaN when it is solved from {@code targetEpsilon}
 * @param targetQuantile  adaptive clipping: fraction of updates meant to stay unclipped
 * @param clipLr          adaptive clipping: step of the geometric norm update
 * @param delta           the δ at which ε is reported
 * @param targetEpsilon   the ε the run should end at, from which z is solved; NaN when z is given
 */
public record PrivacySettings(Mode mode, Clipping clipping, boolean clipAtNode, double clip, double noiseMultiplier,
                              double targetQuantile, double clipLr, double delta, double targetEpsilon) {

    /** Where the noise is added. */
    public enum Mode { CENTRAL, LOCAL }

    /** How the clipping norm is chosen. */
    public enum Clipping { FIXED, ADAPTIVE }

    public PrivacySettings {
        if (mode == null) throw new IllegalArgumentException("privacy.mode must be central or local");
        if (clipping == null) throw new IllegalArgumentException("privacy.clipping must be fixed or adaptive");
        if (!(clip > 0) || Double.isInfinite(clip)) throw new IllegalArgumentException("privacy.clip must be > 0 and finite, got " + clip);
        boolean zGiven = !Double.isNaN(noiseMultiplier);
        boolean epsGiven = !Double.isNaN(targetEpsilon);
        if (zGiven == epsGiven) {
            throw new IllegalArgumentException("privacy: give exactly one of noiseMultiplier and targetEpsilon");
        }
        if (zGiven && (!(noiseMultiplier > 0) || Double.isInfinite(noiseMultiplier))) {
            throw new IllegalArgumentException("privacy.noiseMultiplier must be > 0 and finite, got " + noiseMultiplier);
        }
        if (epsGiven && (!(targetEpsilon > 0) || Double.isInfinite(targetEpsilon))) {
            throw new IllegalArgumentException("privacy.targetEpsilon must be > 0 and finite, got " + targetEpsilon);
        }
        if (!(targetQuantile >= 0 && targetQuantile <= 1)) {
            throw new IllegalArgumentException("privacy.targetQuantile must be in [0, 1], got " + targetQuantile);
        }
        if (!(clipLr > 0) || Double.isInfinite(clipLr)) throw new IllegalArgumentException("privacy.clipLr must be > 0, got " + clipLr);
        if (!(delta > 0 && delta < 1)) throw new IllegalArgumentException("privacy.delta must be in (0, 1), got " + delta);
        if (mode == Mode.LOCAL && clipping == Clipping.ADAPTIVE) {
            // the unclipped bit each node would report is itself un-noised data in local mode
            throw new IllegalArgumentException("privacy.clipping: adaptive clipping needs mode central; local mode clips at a fixed norm");
        }
        if (mode == Mode.LOCAL) clipAtNode = true;
    }

    /** Fixed clipping at the coordinator with noise multiplier z, δ = 1e-5. */
    public static PrivacySettings central(double clip, double z) {
        return new PrivacySettings(Mode.CENTRAL, Clipping.FIXED, false, clip, z, 0.5, 0.2, 1e-5, Double.NaN);
    }

    /**
     * The fraction of nodes one round trains, as the sampling rate q of the accountant: the
     * coordinator samples max(minNodes, ceil(fraction · n)) of n nodes. Local mode protects each
     * node from the coordinator, which knows whom it sampled, so there is no amplification: q = 1.
     */
    public double samplingRate(double fraction, int minNodes, int nodes) {
        if (mode == Mode.LOCAL || nodes <= 0) return 1.0;
        int k = Math.max(minNodes, (int) Math.ceil(fraction * nodes));
        return Math.min(1.0, (double) k / nodes);
    }

    /** z as given, or the smallest z whose {@code rounds} rounds at rate {@code q} stay within the target ε. */
    public double noiseFor(double q, int rounds) {
        if (!Double.isNaN(noiseMultiplier)) return noiseMultiplier;
        return RdpAccountant.noiseMultiplierFor(new PrivacyBudget(targetEpsilon, delta), q, rounds);
    }

    /** ε after {@code rounds} rounds at rate {@code q} with noise multiplier {@code z}. */
    public double epsilon(double q, double z, int rounds) {
        return new RdpAccountant().compose(q, z, rounds).epsilon(delta);
    }

    /** The noise, rate and ε of a run of {@code rounds} rounds over {@code nodes} training nodes. */
    public PlannedPrivacy plan(double fraction, int minNodes, int nodes, int rounds) {
        double q = samplingRate(fraction, minNodes, nodes);
        double z = noiseFor(q, rounds);
        return new PlannedPrivacy(mode, q, z, clip, rounds, epsilon(q, z, rounds), delta);
    }

    /** One line for a plan's EXPLAIN. */
    public String describe(double q, double z, int rounds) {
        return String.format(java.util.Locale.ROOT, "privacy: %s DP, %s clipping at %s (C=%.3g), noise multiplier %.4g, "
                        + "q=%.3g over %d rounds: planned epsilon %.4g at delta %.1e (RDP accountant, sampled Gaussian)",
                mode.name().toLowerCase(java.util.Locale.ROOT), clipping.name().toLowerCase(java.util.Locale.ROOT),
                clipAtNode ? "the nodes" : "the coordinator", clip, z, q, rounds, epsilon(q, z, rounds), delta);
    }
}
