package io.meshfl.core.protocol.horizontal;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;

import java.util.List;
import java.util.Map;

/**
 * Krum and Multi-Krum (Blanchard et al. 2017): keep the update(s) closest to their k - f - 2
 * nearest neighbours and drop the rest. Tolerates up to f Byzantine updates as long as a round has
 * k &gt; 2f + 2 of them; Krum keeps one, Multi-Krum averages the best m.
 */
public final class Krum extends FedAvg {

    private final int byzantine;
    private final int selected;
    private final boolean multi;

    /**
     * @param byzantine the assumed number of Byzantine updates f, or -1 for the largest f each round's update count allows
     * @param selected  for Multi-Krum, how many updates to average, or 0 for k - f
     * @param multi     Multi-Krum (average the best {@code selected}) rather than Krum (keep the best one)
     */
    public Krum(Sampling sampling, LocalSettings local, long seed, int byzantine, int selected, boolean multi) {
        super(sampling, local, seed);
        if (byzantine < -1) throw new IllegalArgumentException("aggregator.byzantine must be >= 0, got " + byzantine);
        if (selected < 0) throw new IllegalArgumentException("aggregator.selected must be >= 1, got " + selected);
        this.byzantine = byzantine;
        this.selected = selected;
        this.multi = multi;
    }

    @Override
    public String name() {
        return multi ? "multikrum" : "krum";
    }

    @Override
    public Aggregated aggregateFit(int round, double[] global, List<FitResult> results, List<Failure> failures) {
        sampling.requireEnough(round, results, failures);
        int k = results.size();
        int f = byzantine >= 0 ? byzantine : Math.max(0, (k - 3) / 2);
        if (k <= 2 * f + 2) {
            throw new MeshflException(ErrorCode.TOO_FEW_NODES, "round " + round + ": aggregator.byzantine: " + name() + " with f = " + f
                    + " needs more than 2f + 2 = " + (2 * f + 2) + " usable updates, the round has " + k
                    + (failures.isEmpty() ? "" : " (" + failures.size() + " node(s) failed or were rejected)"));
        }
        // a round that lost nodes may have fewer than the asked m left after f: average what remains
        int m = multi ? Math.min(selected > 0 ? selected : k - f, k - f) : 1;
        double[] params = multi ? Aggregation.multiKrum(results, f, m) : Aggregation.krum(results, f);
        return new Aggregated(params, Map.of("krum_f", (double) f, "krum_selected", (double) m));
    }
}
