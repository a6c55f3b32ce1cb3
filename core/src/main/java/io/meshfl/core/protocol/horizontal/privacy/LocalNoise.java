package io.meshfl.core.protocol.horizontal.privacy;

import io.meshfl.core.crypto.dp.GaussianMechanism;
import io.meshfl.core.protocol.horizontal.FitMod;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;

/**
 * Local DP: the node adds N(0, (z·C)²) to each coordinate of its clipped update before it leaves,
 * so no one downstream, the coordinator included, sees an un-noised update. Chain it outside
 * {@link NodeClipping} so it noises the clipped delta. z is the node's own, from the prepare step
 * it charged its ledger for, never the round's config.
 */
public final class LocalNoise implements FitMod {

    /** The metric naming the sd of the noise a node added to its update. */
    public static final String NOISE_SD = "dp_local_noise_sd";

    private final double noiseMultiplier;
    private final double fallbackClip;
    private final Random random;

    public LocalNoise(double noiseMultiplier, double fallbackClip, Random random) {
        this.noiseMultiplier = noiseMultiplier;
        this.fallbackClip = fallbackClip;
        this.random = random;
    }

    @Override
    public LocalUpdate apply(double[] global, Map<String, String> config, Supplier<LocalUpdate> next) {
        LocalUpdate u = next.get();
        // the sensitivity is the clipping norm, so the noise follows whatever norm the clipping used
        double c = NodeClipping.clipOf(config, fallbackClip);
        double[] out = u.params().clone();
        new GaussianMechanism(c, noiseMultiplier, random).addNoise(out);
        Map<String, Double> m = new LinkedHashMap<>(u.metrics());
        m.remove(NodeClipping.UNCLIPPED); // un-noised data about the update; not needed without adaptive clipping
        m.put(NOISE_SD, c * noiseMultiplier); // public: the plan fixes it; it tells the audit log what protected the update
        return new LocalUpdate(out, m);
    }
}
