package io.meshfl.core.integration;

import io.meshfl.core.schema.SchemaField;
import io.meshfl.core.schema.Schemas;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Every field of a mesh integration file (kind: MeshIntegration): the names {@link
 * IntegrationLoader} accepts in each section, and the source of its JSON Schema and reference.
 */
public final class IntegrationFields {

    private static final List<SchemaField> ALL = new ArrayList<>();

    private static void f(String path, String kind, boolean required, String about, String... choices) {
        ALL.add(new SchemaField(path, kind, null, about, List.of(choices), required));
    }

    static {
        f("apiVersion", "string", true, "The format's version: v1.x.");
        f("kind", "string", true, "Always `MeshIntegration`.", "MeshIntegration");
        f("id", "string", true, "The integration's id, as jobs name it in `integration`.");
        f("version", "string", true, "Its version.");
        f("description", "string", false, "Free text.");
        f("base", "string", true, "The product whose rows are the target table's rows (one target row per base row).");
        f("relationships", "objects", false, "Joins between products, by key columns.");
        f("relationships.name", "string", false, "A name, unique in the file, for errors and plans.");
        f("relationships.cardinality", "string", true, "How many rows of `from` share one row of `to`.", "one-to-one", "many-to-one");
        f("relationships.description", "string", false, "Free text.");
        f("relationships.from", "mapping", true, "The referring side: its product and key column.");
        f("relationships.from.product", "string", true, "A product id.");
        f("relationships.from.column", "string", true, "A column its contract declares.");
        f("relationships.to", "mapping", true, "The referred side (its key must be unique for many-to-one).");
        f("relationships.to.product", "string", true, "A product id.");
        f("relationships.to.column", "string", true, "A column its contract declares, of the same logical type as the other side's.");
        f("columns", "objects", true, "The target table's columns and the product column that feeds each (at least one).");
        f("columns.target", "string", true, "The target column's name (letters, digits and '_', not starting with a digit).");
        f("columns.product", "string", true, "The product that feeds it.");
        f("columns.column", "string", true, "The column of that product.");
        f("columns.description", "string", false, "Free text.");
        f("overlaps", "objects", false, "Targets fed by two products (the same attribute held twice) and which source to keep.");
        f("overlaps.target", "string", true, "A target column fed by more than one product.");
        f("overlaps.keep", "string", true, "The product whose value is kept.");
        f("overlaps.description", "string", false, "Free text.");
    }

    private IntegrationFields() {
    }

    public static List<SchemaField> all() {
        return List.copyOf(ALL);
    }

    static Set<String> names(String section) {
        return Schemas.names(ALL, section);
    }
}
