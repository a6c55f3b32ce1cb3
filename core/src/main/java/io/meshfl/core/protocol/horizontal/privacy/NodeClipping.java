package io.meshfl.core.protocol.horizontal.privacy;

import io.meshfl.core.crypto.dp.GaussianMechanism;
import io.meshfl.core.protocol.horizontal.FitMod;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Client-side clipping: the node clips its own update delta (relative to the global parameters)
 * to the round's norm before it leaves, so the bound holds even when the coordinator only ever
 * sees a secure sum. Reports one bit for adaptive clipping: whether the delta was already short.
 */
public final class NodeClipping implements FitMod {

    /** The metric carrying the unclipped bit. */
    public static final String UNCLIPPED = "dp_unclipped";

    private final double fallbackClip;

    /** @param fallbackClip the norm to use when a round's config names none (the prepared one) */
    public NodeClipping(double fallbackClip) {
        this.fallbackClip = fallbackClip;
    }

    /** The round's clipping norm: the coordinator's (it moves under adaptive clipping) or the prepared one. */
    static double clipOf(Map<String, String> config, double fallback) {
        String c = config.get(PlannedPrivacy.CLIP);
        return c == null ? fallback : Double.parseDouble(c);
    }

    @Override
    public LocalUpdate apply(double[] global, Map<String, String> config, Supplier<LocalUpdate> next) {
        LocalUpdate u = next.get();
        double[] delta = new double[global.length];
        for (int i = 0; i < delta.length; i++) delta[i] = u.params()[i] - global[i];
        double c = clipOf(config, fallbackClip);
        boolean unclipped = GaussianMechanism.l2Norm(delta) <= c;
        GaussianMechanism.clip(delta, c);
        double[] out = new double[global.length];
        for (int i = 0; i < out.length; i++) out[i] = global[i] + delta[i];
        Map<String, Double> m = new LinkedHashMap<>(u.metrics());
        m.put(UNCLIPPED, unclipped ? 1.0 : 0.0);
        return new LocalUpdate(out, m);
    }
}
