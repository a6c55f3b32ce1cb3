package io.meshfl.core.integration;

import java.util.Objects;

/**
 * One join of a {@link JoinPlan}: the product owning {@code childKey} is joined onto the table
 * built so far, whose {@code parentKey} column already holds the key. The child key is unique,
 * so the join never multiplies rows of the base product.
 */
public record JoinStep(Relationship relationship, ColumnRef parentKey, ColumnRef childKey) {

    public JoinStep {
        Objects.requireNonNull(relationship, "relationship");
        Objects.requireNonNull(parentKey, "parentKey");
        Objects.requireNonNull(childKey, "childKey");
    }

    /** The product this step joins in. */
    public String product() {
        return childKey.product();
    }

    /** The product already joined that holds the key this step looks up. */
    public String parent() {
        return parentKey.product();
    }
}
