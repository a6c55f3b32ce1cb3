package io.meshfl.core.integration;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A validated mesh integration: how data products combine into one training table. Built by
 * {@link IntegrationLoader}. {@code columns} holds one mapping per target column, the kept
 * source where an {@link Overlap} resolved several.
 */
public record Integration(String id, String version, String description, String base,
                          List<Relationship> relationships, List<ColumnMapping> columns, List<Overlap> overlaps,
                          Path sourceFile, String rawYaml) {

    public Integration {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(base, "base");
        relationships = List.copyOf(relationships);
        columns = List.copyOf(columns);
        overlaps = List.copyOf(overlaps);
    }

    /** Every product the integration names: the base, then those of relationships and columns, in file order. */
    public Set<String> products() {
        Set<String> out = new LinkedHashSet<>();
        out.add(base);
        for (Relationship r : relationships) {
            out.add(r.from().product());
            out.add(r.to().product());
        }
        for (ColumnMapping m : columns) out.add(m.source().product());
        return out;
    }

    /** The join plan from the declared base product. */
    public JoinPlan plan() {
        return plan(base);
    }

    /**
     * The join plan from {@code baseProduct}; refused ({@link ErrorCode#PLAN_REFUSED}) when some
     * product cannot be joined onto it without repeating its rows.
     */
    public JoinPlan plan(String baseProduct) {
        if (!products().contains(baseProduct)) {
            throw new MeshflException(ErrorCode.PLAN_REFUSED, "integration " + id + " " + version
                    + " does not name product '" + baseProduct + "' (products: " + String.join(", ", products()) + ")");
        }
        List<JoinStep> steps = JoinGraph.steps(baseProduct, relationships);
        Set<String> reached = new LinkedHashSet<>();
        reached.add(baseProduct);
        for (JoinStep s : steps) reached.add(s.product());
        List<String> missing = products().stream().filter(p -> !reached.contains(p)).toList();
        if (!missing.isEmpty()) {
            throw new MeshflException(ErrorCode.PLAN_REFUSED, "integration " + id + " " + version + ": "
                    + String.join(", ", missing) + " cannot be joined onto base product " + baseProduct
                    + " (a many-to-one relationship is followed only from its many side)");
        }
        Map<String, List<ColumnMapping>> byProduct = new LinkedHashMap<>();
        for (String p : reached) byProduct.put(p, new ArrayList<>());
        for (ColumnMapping m : columns) byProduct.get(m.source().product()).add(m);
        List<SourceFeed> feeds = new ArrayList<>();
        byProduct.forEach((p, ms) -> {
            if (!ms.isEmpty()) feeds.add(new SourceFeed(p, ms));
        });
        return new JoinPlan(baseProduct, steps, feeds);
    }

    /** The file for messages, or {@code <inline>} for text parsed without one. */
    public String sourceName() {
        return sourceFile == null ? "<inline>" : sourceFile.toString();
    }

    // The default record form would print the whole YAML into logs.
    @Override
    public String toString() {
        return "Integration[" + id + " " + version + ", base " + base + ", " + relationships.size() + " relationships, "
                + columns.size() + " columns, " + sourceName() + "]";
    }
}
