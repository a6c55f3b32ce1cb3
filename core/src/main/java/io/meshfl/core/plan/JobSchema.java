package io.meshfl.core.plan;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The JSON Schema of job files and the job section of docs/reference.md, both generated from
 * {@link JobFields}. The schema ships in the jar ({@code schemas/job.schema.json}) for editors
 * that complete YAML from a schema; {@code JobSchemaTest} keeps the committed copies current
 * ({@code main} rewrites them).
 */
public final class JobSchema {

    /** Where the schema lives in the jar and, under core/src/main/resources, in the repository. */
    public static final String RESOURCE = "schemas/job.schema.json";
    private static final Set<String> REQUIRED = Set.of("name", "products", "label", "model", "model.type", "selection.metric",
            "evaluation.outOfTime.column", "evaluation.outOfTime.after");
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private JobSchema() {
    }

    /** The schema (draft 2020-12): every field with its kind, default, choices and meaning; no other field allowed. */
    public static String json() {
        ObjectNode root = JSON.createObjectNode();
        root.put("$schema", "https://json-schema.org/draft/2020-12/schema");
        root.put("$id", "urn:meshfl:schema:job");
        root.put("title", "MeshFL job file");
        Map<String, ObjectNode> sections = new LinkedHashMap<>();
        sections.put("", root);
        object(root);
        for (JobFields.Field f : JobFields.all()) {
            ObjectNode parent = sections.get(f.section());
            ObjectNode p = ((ObjectNode) parent.get("properties")).putObject(f.name());
            p.put("description", f.about());
            switch (f.kind()) {
                case "mapping" -> {
                    object(p);
                    sections.put(f.path(), p);
                }
                case "list" -> {
                    if (f.path().equals("features")) {
                        ArrayNode any = p.putArray("anyOf");
                        any.addObject().put("type", "array").putObject("items").put("type", "string");
                        any.addObject().put("const", "*");
                    } else {
                        p.put("type", "array");
                        p.putObject("items").put("type", "string");
                    }
                }
                case "widths" -> {
                    p.put("type", "array");
                    p.putObject("items").put("type", "integer").put("minimum", 1);
                }
                default -> p.put("type", f.kind());
            }
            if (!f.choices().isEmpty()) {
                ArrayNode e = p.putArray("enum");
                f.choices().forEach(e::add);
            }
            putDefault(p, f);
            if (REQUIRED.contains(f.path())) ((ArrayNode) parent.get("required")).add(f.name());
        }
        for (ObjectNode s : sections.values()) if (s.get("required").isEmpty()) s.remove("required");
        try {
            return JSON.writeValueAsString(root) + "\n";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void object(ObjectNode n) {
        n.put("type", "object");
        n.put("additionalProperties", false);
        n.putObject("properties");
        n.putArray("required");
    }

    private static void putDefault(ObjectNode p, JobFields.Field f) {
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

    /** The job section of docs/reference.md: a table per section. */
    public static String markdown() {
        StringBuilder sb = new StringBuilder();
        sb.append("## Job files\n\n");
        sb.append("A job file is YAML (or JSON) validated against `").append(RESOURCE).append("` (in the jar and in\n")
                .append("`core/src/main/resources`); an editor that completes YAML from a JSON Schema takes it with a first line\n")
                .append("`# yaml-language-server: $schema=<path to job.schema.json>`. `meshfl validate DIR` checks every job of a\n")
                .append("folder. A field the file sets but the plan does not read is an error naming it (see README).\n");
        String section = null;
        for (JobFields.Field f : JobFields.all()) {
            String s = f.kind().equals("mapping") ? f.path() : f.section();
            if (!s.equals(section)) {
                section = s;
                sb.append("\n### ").append(s.isEmpty() ? "Top level" : "`" + s + "`").append("\n\n");
                if (f.kind().equals("mapping")) sb.append(f.about()).append("\n\n");
                sb.append("| field | kind | default | meaning |\n|---|---|---|---|\n");
                if (f.kind().equals("mapping")) continue;
            }
            sb.append("| `").append(f.path()).append("` | ").append(f.kind()).append(" | ")
                    .append(f.fallback() == null ? "" : "`" + f.fallback() + "`").append(" | ").append(f.about().replace("|", "\\|"));
            if (!f.choices().isEmpty()) sb.append(" One of: ").append(String.join(", ", f.choices().stream().map(c -> "`" + c + "`").toList())).append('.');
            sb.append(" |\n");
        }
        return sb.toString();
    }

    /** The committed reference: a title, the job section; other sections (contracts, integrations) follow when they are generated. */
    public static String reference() {
        return "# Reference\n\n<!-- generated by io.meshfl.core.plan.JobSchema from JobFields: edit JobFields, then run "
                + "`mvn -q -pl core -Dtest=JobSchemaTest -Dmeshfl.writeReference=true test` -->\n\n" + markdown();
    }

    /** Writes the schema and docs/reference.md under the repository root {@code args[0]}. */
    public static void main(String[] args) throws IOException {
        Path root = Path.of(args.length > 0 ? args[0] : ".");
        write(root);
    }

    /** Writes the schema and the reference under {@code root}, the repository's folder. */
    public static List<Path> write(Path root) throws IOException {
        Path schema = root.resolve("core/src/main/resources").resolve(RESOURCE);
        Files.createDirectories(schema.getParent());
        Files.writeString(schema, json());
        Path doc = root.resolve("docs/reference.md");
        Files.writeString(doc, reference());
        return List.of(schema, doc);
    }
}
