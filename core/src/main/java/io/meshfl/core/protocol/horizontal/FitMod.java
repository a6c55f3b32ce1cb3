package io.meshfl.core.protocol.horizontal;

import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * A node-side protection chained around local training, like Flower's client mods: it sees the
 * global parameters and the round's config, calls the next link (in the end, training), and may
 * change what leaves the node. Protections compose by listing them; none knows about the others.
 */
@FunctionalInterface
public interface FitMod {

    /** What training hands up the chain: the parameters to send and metrics for the reply. */
    record LocalUpdate(double[] params, Map<String, Double> metrics) {
        public LocalUpdate {
            metrics = Map.copyOf(metrics);
        }
    }

    LocalUpdate apply(double[] global, Map<String, String> config, Supplier<LocalUpdate> next);

    /** Runs {@code train} inside {@code mods}, the first mod outermost. */
    static LocalUpdate chain(List<FitMod> mods, double[] global, Map<String, String> config, Supplier<LocalUpdate> train) {
        Supplier<LocalUpdate> s = train;
        for (int i = mods.size() - 1; i >= 0; i--) {
            FitMod mod = mods.get(i);
            Supplier<LocalUpdate> next = s;
            s = () -> mod.apply(global, config, next);
        }
        return s.get();
    }
}
