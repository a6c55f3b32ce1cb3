package io.meshfl.core.contract;

import java.util.Objects;

/** One column of a data product's schema. */
public record Property(String name, LogicalType logicalType, boolean primaryKey, String classification, boolean required) {

    public Property {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(logicalType, "logicalType");
    }

    /** Whether the column is classified as personally identifiable information. */
    public boolean isPii() {
        return classification != null && classification.strip().equalsIgnoreCase("pii");
    }
}
