package io.meshfl.core.integration;

import java.util.Objects;

/**
 * The outcome of matching one join's keys: {@code fkIndex[i]} is the child row whose key equals
 * parent row {@code i}'s key, or -1 when there is none. Unmatched parent rows are reported,
 * not refused: the training table keeps them with the child's columns missing.
 */
public record KeyMatch(JoinStep step, int[] fkIndex, int unmatched) {

    public KeyMatch {
        Objects.requireNonNull(step, "step");
        Objects.requireNonNull(fkIndex, "fkIndex");
    }

    /** Parent rows matched. */
    public int matched() {
        return fkIndex.length - unmatched;
    }

    /** One line for a report, such as "sales.orders.customer_id -> crm.customers.id: 998 of 1000 rows matched, 2 unmatched". */
    public String summary() {
        return step.parentKey() + " -> " + step.childKey() + ": " + matched() + " of " + fkIndex.length + " rows matched, "
                + unmatched + " unmatched";
    }
}
