package io.meshfl.core.data;

import java.util.Arrays;
import java.util.Random;

/**
 * A deterministic train/holdout split of row indices. The same rows, fraction and seed give the
 * same split on every node and JVM, so parties holding aligned rows split them identically.
 */
public record Split(int[] train, int[] holdout) {

    /** Shuffles 0..rows-1 with {@code seed}, takes round(rows x fraction) as holdout; both parts sorted ascending. */
    public static Split of(int rows, double holdoutFraction, long seed) {
        if (rows < 0) throw new IllegalArgumentException("rows must be >= 0, got " + rows);
        if (!(holdoutFraction >= 0.0 && holdoutFraction < 1.0)) {
            throw new IllegalArgumentException("holdoutFraction must be in [0, 1), got " + holdoutFraction);
        }
        int[] idx = new int[rows];
        for (int i = 0; i < rows; i++) idx[i] = i;
        // java.util.Random's algorithm is fixed by its specification, so the shuffle is portable.
        Random rng = new Random(seed);
        for (int i = rows - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = idx[i];
            idx[i] = idx[j];
            idx[j] = t;
        }
        int h = (int) Math.round(rows * holdoutFraction);
        int[] holdout = Arrays.copyOfRange(idx, 0, h);
        int[] train = Arrays.copyOfRange(idx, h, rows);
        Arrays.sort(holdout);
        Arrays.sort(train);
        return new Split(train, holdout);
    }
}
