package io.meshfl.core.protocol;

import io.meshfl.core.data.Split;

/**
 * The held-out rows of a run over aligned rows: every party derives the same seeded split of the
 * same count and puts its training rows first, so training touches positions [0, train) and
 * evaluation scores [train, n) apart, with no index ever sent.
 */
public final class Holdout {

    private Holdout() {
    }

    /** The aligned rows reordered as the seeded split of their positions puts them: training rows, then held-out rows. */
    public static int[] trainFirst(int[] aligned, double holdout, long seed) {
        Split split = Split.of(aligned.length, holdout, seed);
        int[] out = new int[aligned.length];
        int k = 0;
        for (int i : split.train()) out[k++] = aligned[i];
        for (int i : split.holdout()) out[k++] = aligned[i];
        return out;
    }

    /** How many of {@code n} aligned rows train under a held-out share {@code holdout} (as {@link Split} rounds it). */
    public static int trainRows(int n, double holdout) {
        return n - (int) Math.round(n * holdout);
    }
}
