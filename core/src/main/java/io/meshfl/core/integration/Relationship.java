package io.meshfl.core.integration;

import java.util.Objects;

/**
 * A key mapping between two products: rows of {@code from} match rows of {@code to} whose key
 * is equal. The {@code to} side is the "one" side, so its key must be unique; the two key
 * columns may be named differently.
 */
public record Relationship(String name, ColumnRef from, ColumnRef to, Cardinality cardinality) {

    public Relationship {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(from, "from");
        Objects.requireNonNull(to, "to");
        Objects.requireNonNull(cardinality, "cardinality");
    }

    /** Whether the relationship touches {@code product}. */
    public boolean involves(String product) {
        return from.product().equals(product) || to.product().equals(product);
    }

    /** "'name' (a.x many-to-one b.y)", for messages. */
    public String describe() {
        return "'" + name + "' (" + from + " " + cardinality.yamlName() + " " + to + ")";
    }
}
