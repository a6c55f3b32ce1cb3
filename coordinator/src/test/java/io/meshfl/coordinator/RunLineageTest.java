package io.meshfl.coordinator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshfl.coordinator.lineage.LineageSink;
import io.meshfl.core.MeshflException;
import io.meshfl.core.catalog.RunRecord;
import io.meshfl.core.lineage.OpenLineageSchema;
import io.meshfl.core.plan.JobLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The coordinator's OpenLineage events of real runs over in-process nodes: a vertical training run
 * and its scoring run, a run that fails, and a target that stops taking events while runs go on.
 */
class RunLineageTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final OpenLineageSchema SCHEMA = new OpenLineageSchema();

    @TempDir
    Path dir;

    @Test
    void aTrainingRunAndItsScoringRunEachWriteStartAndCompleteNamingTheProductVersionsAndTheModel() throws Exception {
        VerticalJobTest data = new VerticalJobTest();
        data.dir = dir;
        Path events = dir.resolve("lineage.jsonl");
        try (TestMesh mesh = new TestMesh(data.write(160, false, 1), 200)) {
            mesh.coordinator.lineage(LineageSink.parse("--lineage", "file:" + events));
            String yaml = VerticalJobTest.job("logistic", 2, 64);
            ObjectNode report = mesh.coordinator.runJob(JobLoader.parse(yaml, "job.yaml"), yaml, new HorizontalJobTest.Recorder());
            String modelId = report.path("model_id").asText();
            List<String> products = List.of("bank.customers", "shop.customers", "telco.customers");
            ObjectNode scored = mesh.coordinator.predict(modelId, products, null, new HorizontalJobTest.Recorder());

            List<JsonNode> lines = valid(events);
            assertEquals(List.of("START", "COMPLETE", "START", "COMPLETE"), lines.stream().map(l -> l.path("eventType").asText()).toList());
            JsonNode start = lines.get(0), done = lines.get(1);
            assertEquals(start.path("run").path("runId"), done.path("run").path("runId"));
            assertEquals("vertical-test", done.path("job").path("name").asText());
            assertEquals(products, names(done.path("inputs")));
            for (JsonNode in : done.path("inputs")) {
                String product = in.path("name").asText();
                var record = mesh.catalog.product(product).orElseThrow();
                assertEquals("meshfl://" + record.domain(), in.path("namespace").asText());
                assertEquals(record.version(), in.path("facets").path("version").path("datasetVersion").asText());
                assertEquals(record.contractSha256(), in.path("facets").path("version").path("contractSha256").asText());
                // the schema facet lists the contract's columns, in order, with their logical types
                List<String> columns = new ArrayList<>();
                in.path("facets").path("schema").path("fields").forEach(f -> columns.add(f.path("name").asText() + ":" + f.path("type").asText()));
                List<String> contract = mesh.coordinator.runner().productViews().get(product).contract().properties().stream()
                        .map(p -> p.name() + ":" + p.logicalType().yamlName()).toList();
                assertEquals(contract, columns);
            }
            JsonNode model = done.path("outputs").get(0);
            assertEquals("meshfl://models", model.path("namespace").asText());
            assertEquals("vertical-test", model.path("name").asText());
            assertEquals("1", model.path("facets").path("version").path("datasetVersion").asText());
            assertEquals(modelId, model.path("facets").path("version").path("modelId").asText());
            assertTrue(done.path("run").path("facets").path("tags").toString().contains(report.path("run_id").asText()));
            assertEquals(2, report.path("lineage").size(), report.path("lineage").toString());
            report.path("lineage").forEach(d -> assertTrue(d.path("delivered").asBoolean(), d.toString()));

            // the scoring run reads the products and the model, and leaves predictions with the label holder
            JsonNode predicted = lines.get(3);
            assertEquals("PREDICTION", predicted.path("job").path("facets").path("jobType").path("jobType").asText());
            assertEquals(List.of("bank.customers", "shop.customers", "telco.customers", "vertical-test"),
                    names(predicted.path("inputs")));
            assertEquals("meshfl://bank", predicted.path("outputs").get(0).path("namespace").asText());
            assertEquals("vertical-test.predictions", predicted.path("outputs").get(0).path("name").asText());
            assertEquals(2, scored.path("lineage").size());
        }
    }

    @Test
    void aFailedRunWritesStartThenFailWithTheCatalogsReason() throws Exception {
        VerticalJobTest data = new VerticalJobTest();
        data.dir = dir;
        var contracts = data.write(50, false, 3);
        Path shop = dir.resolve("shop.csv");
        Files.writeString(shop, Files.readString(shop).replace("\nC", "\nX"));
        Path events = dir.resolve("lineage.jsonl");
        try (TestMesh mesh = new TestMesh(contracts, 200)) {
            mesh.coordinator.lineage(LineageSink.parse("--lineage", "file:" + events));
            String yaml = VerticalJobTest.job("logistic", 1, 64);
            assertThrows(MeshflException.class, () -> mesh.coordinator.runJob(JobLoader.parse(yaml, "job.yaml"), yaml,
                    new HorizontalJobTest.Recorder()));
            RunRecord run = mesh.catalog.runs().get(0);
            assertEquals(RunRecord.FAILED, run.status());

            List<JsonNode> lines = valid(events);
            assertEquals(List.of("START", "FAIL"), lines.stream().map(l -> l.path("eventType").asText()).toList());
            JsonNode fail = lines.get(1);
            assertEquals(lines.get(0).path("run").path("runId"), fail.path("run").path("runId"));
            assertTrue(fail.path("run").path("facets").path("errorMessage").path("message").asText().contains("share no entity key"),
                    fail.toString());
            assertEquals(3, fail.path("inputs").size());
            assertEquals(0, fail.path("outputs").size());
            JsonNode report = mesh.catalog.runReport(run.id()).orElseThrow();
            assertEquals(2, report.path("lineage").size(), "the failed run's report says how its events fared: " + report.path("lineage"));
        }
    }

    @Test
    void anEventThatCannotBeDeliveredIsLoggedAndRecordedAndTheRunStillSucceeds() throws Exception {
        Path folder = Files.createDirectory(dir.resolve("lineage"));
        LineageSink sink = LineageSink.parse("--lineage", "file:" + folder.resolve("events.jsonl"));
        // the folder goes away after the coordinator took the setting: every write fails
        Files.delete(folder);
        var contracts = TestMesh.writeProducts(dir, 2, 200, 3, 1);
        try (TestMesh mesh = new TestMesh(contracts, 200)) {
            mesh.coordinator.lineage(sink);
            String yaml = TestMesh.job(2, 2, 2, "");
            HorizontalJobTest.Recorder rec = new HorizontalJobTest.Recorder();
            ObjectNode report = mesh.coordinator.runJob(JobLoader.parse(yaml, "job.yaml"), yaml, rec);
            assertEquals(RunRecord.SUCCEEDED, mesh.catalog.run(report.path("run_id").asText()).orElseThrow().status());
            assertEquals(2, mesh.coordinator.runner().lineage().undelivered().size());
            JsonNode recorded = mesh.catalog.runReport(report.path("run_id").asText()).orElseThrow().path("lineage");
            assertEquals(List.of("START", "COMPLETE"), recorded.findValuesAsText("event"));
            for (JsonNode d : recorded) {
                assertFalse(d.path("delivered").asBoolean());
                assertTrue(d.path("reason").asText().contains("could not be written"), d.toString());
                assertFalse(d.path("reason").asText().contains(folder.toString()), "the report names no path: " + d);
            }
            assertTrue(rec.logs.stream().anyMatch(l -> l.contains("COMPLETE event was not delivered")), rec.logs.toString());
        }
    }

    @Test
    void anUnusableLineageSettingIsAnErrorNamingTheOption() {
        for (String bad : new String[]{"", "ftp://lineage.example:21", "file:", "file:" + dir.resolve("missing/events.jsonl"), "file:" + dir,
                "http://", "https://user:secret@lineage.example:5000"}) {
            MeshflException e = assertThrows(MeshflException.class, () -> LineageSink.parse("--lineage", bad), bad);
            assertTrue(e.getMessage().startsWith("--lineage"), e.getMessage());
            assertFalse(e.getMessage().contains("secret"), "credentials are not repeated: " + e.getMessage());
        }
        assertTrue(LineageSink.parse("--lineage", "http://127.0.0.1:5000").describe().endsWith("127.0.0.1:5000/api/v1/lineage"));
    }

    private static List<String> names(JsonNode datasets) {
        List<String> out = new ArrayList<>();
        datasets.forEach(d -> out.add(d.path("name").asText()));
        return out;
    }

    /** Every line of the file, each checked against the OpenLineage schema. */
    private static List<JsonNode> valid(Path events) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        for (String line : Files.readAllLines(events)) {
            assertEquals(List.of(), SCHEMA.problems(line), line);
            out.add(JSON.readTree(line));
        }
        return out;
    }
}
