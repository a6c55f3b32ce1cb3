package io.meshfl.core.integration;

import java.util.List;

/** The columns one source product contributes to the training table, each with its target name. */
public record SourceFeed(String product, List<ColumnMapping> columns) {

    public SourceFeed {
        columns = List.copyOf(columns);
    }

    /** The source columns in order, for reading them from the product. */
    public List<String> sourceColumns() {
        return columns.stream().map(m -> m.source().column()).toList();
    }

    /** The target column names in the same order as {@link #sourceColumns()}. */
    public List<String> targetColumns() {
        return columns.stream().map(ColumnMapping::target).toList();
    }
}
