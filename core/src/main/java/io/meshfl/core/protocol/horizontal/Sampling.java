package io.meshfl.core.protocol.horizontal;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * Which nodes take part in a round: a fraction of the available ones, never fewer than
 * {@code minNodes}; a round with fewer usable results than {@code minNodes} fails.
 */
public record Sampling(double fraction, int minNodes) {

    public Sampling {
        if (!(fraction > 0 && fraction <= 1)) {
            throw new IllegalArgumentException("sampling.fraction must be in (0, 1], got " + fraction);
        }
        if (minNodes < 1) throw new IllegalArgumentException("sampling.minNodes must be >= 1, got " + minNodes);
    }

    /** Seeded sample of the available nodes for one round. */
    public List<String> sample(int round, List<String> available, Random rng) {
        if (available.size() < minNodes) {
            throw new MeshflException(ErrorCode.TOO_FEW_NODES, "round " + round + ": " + available.size()
                    + " node(s) available " + available + ", the job needs at least " + minNodes);
        }
        int k = Math.max(minNodes, (int) Math.ceil(fraction * available.size()));
        List<String> pool = new ArrayList<>(available);
        Collections.sort(pool);
        Collections.shuffle(pool, rng);
        List<String> chosen = new ArrayList<>(pool.subList(0, Math.min(k, pool.size())));
        Collections.sort(chosen);
        return chosen;
    }

    /** Throws if a round's results are too few to aggregate. */
    public void requireEnough(int round, List<FitResult> results, List<Failure> failures) {
        requireEnough(round, results.size(), failures);
    }

    /** Throws if a round's {@code usable} updates (summed under secure aggregation, say) are too few. */
    public void requireEnough(int round, int usable, List<Failure> failures) {
        if (usable < minNodes) {
            StringBuilder why = new StringBuilder();
            for (Failure f : failures) why.append("; ").append(f.nodeId()).append(": ").append(f.reason());
            throw new MeshflException(ErrorCode.TOO_FEW_NODES, "round " + round + ": only " + usable
                    + " node(s) returned a usable update, the job needs at least " + minNodes + why);
        }
    }
}
