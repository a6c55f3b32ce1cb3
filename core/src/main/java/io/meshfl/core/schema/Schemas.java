package io.meshfl.core.schema;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * JSON Schemas and reference tables generated from a file's list of {@link SchemaField}s, so the
 * loader, the schema editors complete from and the documentation name the same fields.
 */
public final class Schemas {

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private Schemas() {
    }

    /** The names a loader accepts in {@code section} ("" for the top of the file). */
    public static Set<String> names(List<SchemaField> fields, String section) {
        Set<String> out = new LinkedHashSet<>();
        for (SchemaField f : fields) if (f.section().equals(section)) out.add(f.name());
        if (out.isEmpty()) throw new IllegalArgumentException("no section '" + section + "'");
        return java.util.Collections.unmodifiableSet(out);
    }

    /** The JSON Schema (draft 2020-12) of a file: every field with its kind, default, choices and meaning; no other field allowed. */
    public static String json(String id, String title, List<SchemaField> fields) {
        ObjectNode root = JSON.createObjectNode();
        root.put("$schema", "https://json-schema.org/draft/2020-12/schema");
        root.put("$id", id);
        root.put("title", title);
        Map<String, ObjectNode> sections = new LinkedHashMap<>();
        sections.put("", object(root));
        for (SchemaField f : fields) {
            ObjectNode parent = sections.get(f.section());
            if (parent == null) throw new IllegalStateException("field " + f.path() + " comes before its section");
            ObjectNode p = ((ObjectNode) parent.get("properties")).putObject(f.name());
            p.put("description", f.about());
            switch (f.kind()) {
                case "mapping" -> sections.put(f.path(), object(p));
                case "objects" -> {
                    p.put("type", "array");
                    sections.put(f.path(), object(p.putObject("items")));
                }
                case "list" -> {
                    // a list of names; its choices, when it has some, are each entry's
                    ObjectNode items = JSON.createObjectNode().put("type", "string");
                    if (!f.choices().isEmpty()) f.choices().forEach(items.putArray("enum")::add);
                    if (f.about().contains("`\"*\"`")) {
                        // or "*": every column the contracts allow
                        ArrayNode any = p.putArray("anyOf");
                        any.addObject().put("type", "array").set("items", items);
                        any.addObject().put("const", "*");
                    } else {
                        p.put("type", "array");
                        p.set("items", items);
                    }
                }
                case "widths" -> {
                    p.put("type", "array");
                    p.putObject("items").put("type", "integer").put("minimum", 1);
                }
                case "groups" -> {
                    // named lists of at least two names each
                    p.put("type", "object");
                    ObjectNode list = p.putObject("additionalProperties");
                    list.put("type", "array");
                    list.put("minItems", 2);
                    list.putObject("items").put("type", "string");
                }
                case "any" -> { } // a field kept as written, of any shape
                default -> p.put("type", f.kind());
            }
            if (!f.choices().isEmpty() && !f.kind().equals("list")) {
                ArrayNode e = p.putArray("enum");
                f.choices().forEach(e::add);
            }
            putDefault(p, f);
            if (f.required()) ((ArrayNode) parent.get("required")).add(f.name());
        }
        for (ObjectNode s : sections.values()) if (s.get("required").isEmpty()) s.remove("required");
        try {
            return JSON.writeValueAsString(root) + "\n";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static ObjectNode object(ObjectNode n) {
        n.put("type", "object");
        n.put("additionalProperties", false);
        n.putObject("properties");
        n.putArray("required");
        return n;
    }

    private static void putDefault(ObjectNode p, SchemaField f) {
        String d = f.fallback();
        if (d == null) return;
        try {
            switch (f.kind()) {
                case "integer" -> p.put("default", Long.parseLong(d));
                case "number" -> p.put("default", Double.parseDouble(d));
                case "boolean" -> p.put("default", Boolean.parseBoolean(d));
                case "list", "widths" -> p.set("default", JSON.readTree(d));
                default -> {
                    if (f.choices().isEmpty() || f.choices().contains(d)) p.put("default", d);
                }
            }
        } catch (IOException | NumberFormatException e) {
            // a default described in words ("every allowed column") is documented, not a schema value
        }
    }

    /** A reference section: {@code intro}, then a table per section of the file. */
    public static String markdown(String heading, String intro, List<SchemaField> fields) {
        StringBuilder sb = new StringBuilder("## ").append(heading).append("\n\n").append(intro).append('\n');
        String section = null;
        for (SchemaField f : fields) {
            String s = f.isSection() ? f.path() : f.section();
            if (!s.equals(section)) {
                section = s;
                sb.append("\n### ").append(s.isEmpty() ? "Top level" : "`" + s + "`" + (f.kind().equals("objects") ? " (a list; each entry)" : ""))
                        .append("\n\n");
                if (f.isSection()) sb.append(f.about()).append("\n\n");
                sb.append("| field | kind | default | meaning |\n|---|---|---|---|\n");
                if (f.isSection()) continue;
            }
            sb.append("| `").append(f.path()).append("` | ").append(f.kind()).append(" | ")
                    .append(f.fallback() == null ? "" : "`" + f.fallback() + "`").append(" | ").append(f.about().replace("|", "\\|"));
            if (f.required()) sb.append(" Required.");
            if (!f.choices().isEmpty()) sb.append(" One of: ").append(String.join(", ", f.choices().stream().map(c -> "`" + c + "`").toList())).append('.');
            sb.append(" |\n");
        }
        return sb.toString();
    }
}
