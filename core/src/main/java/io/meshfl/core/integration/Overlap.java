package io.meshfl.core.integration;

import java.util.List;
import java.util.Objects;

/**
 * One attribute held by several products: the target column is fed by {@code kept} only, and
 * the {@code dropped} copies are left out so the attribute is not counted twice.
 */
public record Overlap(String target, ColumnRef kept, List<ColumnRef> dropped) {

    public Overlap {
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(kept, "kept");
        dropped = List.copyOf(dropped);
    }
}
