package io.meshfl.core.plan;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The schemas and the reference are generated from the loaders' lists of fields, the documented
 * defaults are what the job loader does, and every example file of the repository stays inside them.
 */
class FileSchemasTest {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final String BASE = "name: j\nproducts: [a.b, c.d, e.f]\nlabel: y\nmodel: {type: logistic}\n";
    /** Sections a field needs around it to be read at all. */
    private static final Map<String, String> CONTEXT = Map.of("privacy", "privacy: {noiseMultiplier: 1.0}\n",
            "secureAggregation", "secureAggregation: {}\n", "selection", "selection: {metric: auc}\n",
            "retrain", "retrain: {on: product-version, metric: auc}\n");
    /** Defaults that stand for "unset" and cannot be written (the loader refuses them given explicitly). */
    private static final Set<String> UNSET = Set.of("aggregator.byzantine", "aggregator.selected");

    @Test
    void theCommittedSchemaAndReferenceAreTheGeneratedOnes() throws Exception {
        if (Boolean.getBoolean("meshfl.writeReference")) FileSchemas.write(ROOT);
        for (var s : FileSchemas.all()) {
            assertEquals(s.json(), Files.readString(ROOT.resolve("core/src/main/resources").resolve(s.resource())),
                    "core/src/main/resources/" + s.resource() + " is stale: rerun this test with -Dmeshfl.writeReference=true");
            assertTrue(getClass().getClassLoader().getResource(s.resource()) != null, s.resource() + " ships in the jar");
        }
        assertEquals(FileSchemas.reference(), Files.readString(ROOT.resolve("docs/reference.md")),
                "docs/reference.md is stale: rerun this test with -Dmeshfl.writeReference=true");
    }

    @Test
    void everyDocumentedDefaultIsWhatTheLoaderDoesWhenTheFieldIsLeftOut() throws Exception {
        int checked = 0;
        for (io.meshfl.core.schema.SchemaField f : JobFields.all()) {
            String value = literal(f);
            if (value == null || UNSET.contains(f.path())) continue;
            String top = f.path().contains(".") ? f.path().substring(0, f.path().indexOf('.')) : "";
            String context = CONTEXT.getOrDefault(top, "");
            JobSpec without = JobLoader.parse(BASE + context, "j.yaml");
            JobSpec with = JobLoader.parse(set(BASE + context, f.path(), value), "j.yaml");
            for (var c : JobSpec.class.getRecordComponents()) {
                if (c.getName().equals("given") || c.getName().equals("sourceFile")) continue;
                assertTrue(Objects.equals(c.getAccessor().invoke(without), c.getAccessor().invoke(with)),
                        f.path() + ": the reference says its default is " + f.fallback() + ", but setting it changes " + c.getName());
            }
            checked++;
        }
        assertTrue(checked > 70, "defaults checked: " + checked);
    }

    @Test
    void everyExampleContractJobAndIntegrationUsesOnlyFieldsOfItsSchema() throws Exception {
        int jobs = 0, integrations = 0, contracts = 0;
        List<Path> files = new ArrayList<>();
        try (Stream<Path> s = Files.walk(ROOT.resolve("examples"))) {
            s.filter(p -> p.toString().endsWith(".yaml")).forEach(files::add);
        }
        for (Path f : files) {
            JsonNode doc = YAML.readTree(f.toFile());
            io.meshfl.core.schema.FileSchema schema;
            if (f.getFileName().toString().startsWith("job")) {
                schema = FileSchemas.JOB;
                jobs++;
            } else if ("MeshIntegration".equals(doc.path("kind").asText())) {
                schema = FileSchemas.INTEGRATION;
                integrations++;
            } else if ("DataContract".equals(doc.path("kind").asText())) {
                schema = FileSchemas.CONTRACT;
                contracts++;
            } else {
                continue;
            }
            // a JSON Schema validator, as editors and meshfl validate use the schema
            assertEquals(List.of(), io.meshfl.core.schema.SchemaCheck.problems(schema, doc), f.toString());
        }
        assertTrue(jobs >= 6 && integrations >= 2 && contracts >= 10, jobs + " example jobs, " + integrations + " integrations, "
                + contracts + " contracts");
        // and a field of neither is caught
        List<String> bad = io.meshfl.core.schema.SchemaCheck.problems(FileSchemas.INTEGRATION,
                YAML.readTree("columns: [{target: a, product: p, column: c, weight: 2}]"));
        assertTrue(bad.stream().anyMatch(m -> m.contains("columns[0].weight")), bad.toString());
    }

    /** The default as YAML, when it is a value and not words. */
    private static String literal(io.meshfl.core.schema.SchemaField f) {
        String d = f.fallback();
        if (d == null || f.kind().equals("mapping")) return null;
        return switch (f.kind()) {
            case "list", "widths" -> d.startsWith("[") ? d : null;
            case "string" -> d.contains(" ") ? null : d;
            default -> d;
        };
    }

    /** {@code yaml} with {@code path} set to {@code value}, in the section's flow mapping. */
    private static String set(String yaml, String path, String value) throws Exception {
        var root = (com.fasterxml.jackson.databind.node.ObjectNode) YAML.readTree(yaml);
        String[] parts = path.split("\\.");
        var node = root;
        for (int i = 0; i < parts.length - 1; i++) {
            if (!node.has(parts[i])) node.putObject(parts[i]);
            node = (com.fasterxml.jackson.databind.node.ObjectNode) node.get(parts[i]);
        }
        node.set(parts[parts.length - 1], YAML.readTree(value));
        return YAML.writeValueAsString(root);
    }
}
