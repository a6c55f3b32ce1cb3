package io.meshfl.core.schema;

import java.util.List;

/**
 * One field of a MeshFL file (job, integration, ...): its dotted {@code path} (the fields of a list
 * of mappings continue the list's path), its kind (string, integer, number, boolean, list, widths,
 * mapping, or objects: a list of mappings), its default, its meaning and its allowed values.
 */
public record SchemaField(String path, String kind, String fallback, String about, List<String> choices, boolean required) {

    public SchemaField {
        choices = List.copyOf(choices);
    }

    /** The section (mapping or list of mappings) the field belongs to; "" at the top. */
    public String section() {
        int dot = path.lastIndexOf('.');
        return dot < 0 ? "" : path.substring(0, dot);
    }

    /** The field's own name within its section. */
    public String name() {
        return path.substring(path.lastIndexOf('.') + 1);
    }

    /** Whether the field holds further fields: a mapping or a list of mappings. */
    public boolean isSection() {
        return kind.equals("mapping") || kind.equals("objects");
    }
}
