package io.meshfl.core.schema;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.meshfl.core.plan.FileSchemas;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Files checked by a JSON Schema validator against the schemas MeshFL ships: every violation at once, each at its path. */
class SchemaCheckTest {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    @Test
    void everyViolationOfAJobFileIsReportedAtItsPath() throws Exception {
        JsonNode job = YAML.readTree("""
                name: j
                prodcts: [a.b]
                label: y
                model: {type: logistic}
                strategy: sideways
                seed: many
                vertical: {epochz: 3, lr: fast}
                groups: {payments: [only-one.p]}
                """);
        List<String> p = SchemaCheck.problems(FileSchemas.JOB, job);
        String all = String.join("\n", p);
        assertTrue(all.contains("field 'prodcts': is not a field of this file"), all);
        assertTrue(all.contains("products"), "the missing required field is named: " + all);
        assertTrue(all.contains("field 'strategy'") && all.contains("field 'seed'"), all);
        assertTrue(all.contains("field 'vertical.epochz': is not a field of this file"), all);
        assertTrue(all.contains("field 'vertical.lr'"), all);
        assertTrue(all.contains("field 'groups.payments'"), "a group of one product: " + all);
        assertEquals(7, p.size(), all);
    }

    @Test
    void aWellFormedFileHasNoProblems() throws Exception {
        JsonNode job = YAML.readTree("""
                name: j
                products: [a.b, c.d, e.f]
                groups: {cd: [c.d, e.f]}
                label: y
                model: {type: logistic}
                vertical: {epochs: 3, lr: 0.1}
                evaluation: {holdout: 0.2}
                """);
        assertEquals(List.of(), SchemaCheck.problems(FileSchemas.JOB, job));
    }
}
