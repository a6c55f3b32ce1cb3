package io.meshfl.core.integration;

import java.util.Objects;

/** One column of one data product, written {@code product.column} in messages. */
public record ColumnRef(String product, String column) {

    public ColumnRef {
        Objects.requireNonNull(product, "product");
        Objects.requireNonNull(column, "column");
    }

    @Override
    public String toString() {
        return product + "." + column;
    }
}
