package io.meshfl.core.integration;

import java.util.List;
import java.util.Map;

/**
 * The indicator of a whole {@link JoinPlan}: for every product, target row (a row of the base
 * product) to that product's row, -1 where the chain of keys breaks. This is what factorized
 * learning needs to compute over the sources without materialising the joined table.
 */
public record RowIndex(String base, int rows, Map<String, int[]> rowOf, List<KeyMatch> matches) {

    public RowIndex {
        rowOf = Map.copyOf(rowOf);
        matches = List.copyOf(matches);
    }

    /** Target row to row of {@code product}; the identity for the base. */
    public int[] of(String product) {
        int[] idx = rowOf.get(product);
        if (idx == null) throw new IllegalArgumentException("product " + product + " is not part of the plan from " + base);
        return idx;
    }

    /** Target rows for which {@code product} has no row. */
    public int unmatched(String product) {
        int n = 0;
        for (int i : of(product)) if (i < 0) n++;
        return n;
    }
}
