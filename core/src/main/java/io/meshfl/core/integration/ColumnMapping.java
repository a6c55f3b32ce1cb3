package io.meshfl.core.integration;

import java.util.Objects;

/** A column of the training table and the source column that feeds it. */
public record ColumnMapping(String target, ColumnRef source) {

    public ColumnMapping {
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(source, "source");
    }
}
