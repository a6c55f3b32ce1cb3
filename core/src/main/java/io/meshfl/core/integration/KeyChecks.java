package io.meshfl.core.integration;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Checks relationships against the key values products actually hold and builds the foreign-key
 * indexes between them. Pure: key columns arrive as {@code String[]} (null for a missing key),
 * so no database or file is needed. A refused check is a {@link MeshflException} naming the
 * relationship and both products.
 */
public final class KeyChecks {

    private KeyChecks() {
    }

    /** Matches a relationship's {@code from} keys (the many side) against its {@code to} keys (the one side). */
    public static KeyMatch match(Relationship r, String[] fromKeys, String[] toKeys) {
        return match(new JoinStep(r, r.from(), r.to()), fromKeys, toKeys);
    }

    /**
     * Matches one join: the child key must be unique (for one-to-one, the parent key too) and at
     * least one parent row must find a child row.
     */
    public static KeyMatch match(JoinStep step, String[] parentKeys, String[] childKeys) {
        Relationship r = step.relationship();
        if (parentKeys.length == 0 || childKeys.length == 0) {
            String empty = parentKeys.length == 0 ? step.parent() : step.product();
            throw new MeshflException(ErrorCode.DATA_EMPTY, "relationship " + r.describe() + ": product " + empty
                    + " has no rows, so nothing of " + step.parent() + " can be matched to " + step.product());
        }
        Duplicates childDup = Duplicates.of(childKeys);
        Duplicates parentDup = Duplicates.of(parentKeys);
        if (childDup.rows > 0) {
            throw new MeshflException(ErrorCode.DATA_BAD_VALUE, "relationship " + r.describe() + ": " + step.childKey()
                    + " should be unique but " + childDup.describe() + "; " + reversal(step, parentDup));
        }
        if (r.cardinality() == Cardinality.ONE_TO_ONE && parentDup.rows > 0) {
            throw new MeshflException(ErrorCode.DATA_BAD_VALUE, "relationship " + r.describe() + " is declared one-to-one but "
                    + step.parentKey() + " " + parentDup.describe() + "; if " + step.parent()
                    + " is the many side, declare the relationship many-to-one from " + step.parentKey());
        }
        Map<String, Integer> rowOfKey = childDup.firstRow;
        int[] fk = new int[parentKeys.length];
        int unmatched = 0;
        int example = -1;
        for (int i = 0; i < parentKeys.length; i++) {
            Integer row = parentKeys[i] == null ? null : rowOfKey.get(parentKeys[i]);
            fk[i] = row == null ? -1 : row;
            if (row == null) {
                unmatched++;
                if (example < 0 && parentKeys[i] != null) example = i + 1;
            }
        }
        if (unmatched == parentKeys.length) {
            throw new MeshflException(ErrorCode.DATA_BAD_VALUE, "relationship " + r.describe() + ": none of the "
                    + parentKeys.length + " keys of " + step.parentKey() + " in product " + step.parent() + " matches a key of "
                    + step.childKey() + " in product " + step.product()
                    // keys are often personal data: name the row, never the value
                    + (example < 0 ? " (every key is missing)" : " (for example the key of data row " + example + " is not found)")
                    + "; the two columns probably hold different identifiers");
        }
        return new KeyMatch(step, fk, unmatched);
    }

    private static String reversal(JoinStep step, Duplicates parentDup) {
        if (step.relationship().cardinality() == Cardinality.ONE_TO_ONE) {
            return "a one-to-one relationship needs unique keys on both sides; if " + step.product()
                    + " is the many side, declare the relationship many-to-one from " + step.childKey();
        }
        if (parentDup.rows == 0) {
            return "the one side of a many-to-one relationship must be unique, and " + step.parentKey()
                    + " is, so the relationship is probably reversed: declare it from " + step.childKey() + " to " + step.parentKey();
        }
        return "the one side of a many-to-one relationship must be unique; the relationship is probably reversed, and since "
                + step.parentKey() + " repeats keys too the products may not join without repeating rows";
    }

    /**
     * Builds the row index of a whole plan; {@code keys} returns the values of a key column.
     * Each join composes with the index of its parent, so a chain of joins maps target rows
     * straight to rows of the farthest product.
     */
    public static RowIndex index(JoinPlan plan, Function<ColumnRef, String[]> keys) {
        Map<String, int[]> rowOf = new LinkedHashMap<>();
        List<KeyMatch> matches = new ArrayList<>();
        int rows = -1;
        for (JoinStep step : plan.steps()) {
            String[] parentKeys = keys.apply(step.parentKey());
            if (rows < 0 && step.parent().equals(plan.base())) {
                rows = parentKeys.length;
                rowOf.put(plan.base(), identity(rows));
            }
            KeyMatch m = match(step, parentKeys, keys.apply(step.childKey()));
            matches.add(m);
            int[] parentIdx = rowOf.get(step.parent());
            int[] idx = new int[parentIdx.length];
            for (int t = 0; t < idx.length; t++) idx[t] = parentIdx[t] < 0 ? -1 : m.fkIndex()[parentIdx[t]];
            rowOf.put(step.product(), idx);
        }
        if (rows < 0) {
            throw new MeshflException(ErrorCode.PLAN_REFUSED, "the plan from " + plan.base()
                    + " joins no product, so it has no key column to count its rows by");
        }
        return new RowIndex(plan.base(), rows, rowOf, matches);
    }

    private static int[] identity(int n) {
        int[] a = new int[n];
        for (int i = 0; i < n; i++) a[i] = i;
        return a;
    }

    /** Rows whose non-null key repeats an earlier row's key. */
    private record Duplicates(Map<String, Integer> firstRow, int rows, int distinct, int exampleRow, int exampleFirstRow) {

        static Duplicates of(String[] keys) {
            Map<String, Integer> first = new HashMap<>();
            Map<String, Boolean> repeated = new HashMap<>();
            int rows = 0;
            int example = -1;
            int exampleFirst = -1;
            for (int i = 0; i < keys.length; i++) {
                if (keys[i] == null) continue;
                Integer earlier = first.putIfAbsent(keys[i], i);
                if (earlier != null) {
                    rows++;
                    repeated.put(keys[i], true);
                    if (example < 0) {
                        example = i + 1;
                        exampleFirst = earlier + 1;
                    }
                }
            }
            return new Duplicates(first, rows, repeated.size(), example, exampleFirst);
        }

        String describe() {
            return "has " + rows + " duplicate key" + (rows == 1 ? "" : "s") + " (" + distinct + " value"
                    + (distinct == 1 ? "" : "s") + " occur more than once, e.g. data row " + exampleRow + " repeats the key of data row "
                    + exampleFirstRow + ")";
        }
    }
}
