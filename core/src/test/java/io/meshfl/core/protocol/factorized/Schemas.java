package io.meshfl.core.protocol.factorized;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Random normalized tables for the tests. */
final class Schemas {

    private Schemas() {
    }

    static double[] random(Random rnd, int n) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) v[i] = rnd.nextGaussian();
        return v;
    }

    /** Foreign keys into {@code nk} rows that use every row at least once (when {@code n0 >= nk}). */
    static int[] manyToOne(Random rnd, int n0, int nk) {
        int[] fk = new int[n0];
        for (int i = 0; i < n0; i++) fk[i] = i < nk ? i : rnd.nextInt(nk);
        shuffle(rnd, fk);
        return fk;
    }

    static int[] permutation(Random rnd, int n) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        shuffle(rnd, p);
        return p;
    }

    private static void shuffle(Random rnd, int[] a) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }

    /**
     * A base source of {@code baseCols} columns and one joined source per entry of {@code dimRows}
     * / {@code dimCols}; a dimension with as many rows as the base is joined one-to-one by a permutation.
     */
    static NormalizedMatrix star(Random rnd, int n0, int baseCols, int[] dimRows, int[] dimCols) {
        int next = 0;
        Source base = Source.contiguous("fact", n0, baseCols, random(rnd, n0 * baseCols), next);
        next += baseCols;
        List<Join> joins = new ArrayList<>();
        for (int k = 0; k < dimRows.length; k++) {
            Source s = Source.contiguous("dim" + k, dimRows[k], dimCols[k], random(rnd, dimRows[k] * dimCols[k]), next);
            next += dimCols[k];
            int[] fk = dimRows[k] == n0 ? permutation(rnd, n0) : manyToOne(rnd, n0, dimRows[k]);
            joins.add(new Join(s, fk));
        }
        return NormalizedMatrix.of(next, base, joins);
    }
}
