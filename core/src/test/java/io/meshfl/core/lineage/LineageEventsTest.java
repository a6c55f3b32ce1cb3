package io.meshfl.core.lineage;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.openlineage.client.OpenLineage.RunEvent;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The events of runs and promotions, checked against the published OpenLineage schema (and a broken one refused by it). */
class LineageEventsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final OpenLineageSchema SCHEMA = new OpenLineageSchema();
    private static final Instant AT = Instant.parse("2026-12-06T14:48:34.123Z");

    private static final LineageDataset.Product NORTH = new LineageDataset.Product("lending-north.loans", "lending-north", "1.0.0",
            "ab".repeat(32), List.of(new LineageDataset.Column("customer_id", "string", "primary key; classification: pii"),
            new LineageDataset.Column("income", "number", null), new LineageDataset.Column("defaulted", "integer", null)));
    private static final LineageDataset.Product SOUTH = new LineageDataset.Product("lending-south.loans", "lending-south", "2.1.0",
            "cd".repeat(32), List.of(new LineageDataset.Column("customer_id", "string", "primary key"),
            new LineageDataset.Column("debt", "number", null)));
    private static final LineageRun TRAINING = LineageRun.of(LineageRun.Kind.TRAINING, "run-20261206-144834-ab12", "credit-default",
            "job-20261206-144834-cd34", "horizontal", "client:operator");
    private static final LineageDataset.Model MODEL = new LineageDataset.Model("credit-default", 3, "model-20261206-144840-ef56",
            "client:operator", "candidate", "logistic", "horizontal");

    @Test
    void aTrainingRunsStartAndCompleteValidateAndNameTheProductVersionsAndTheModel() throws Exception {
        JsonNode start = valid(LineageEvents.start(TRAINING, List.of(NORTH, SOUTH), List.of(LineageDataset.Model.named("credit-default")), AT));
        JsonNode done = valid(LineageEvents.complete(TRAINING, List.of(NORTH, SOUTH), List.of(MODEL), AT.plusSeconds(30)));
        assertEquals("START", start.path("eventType").asText());
        assertEquals("COMPLETE", done.path("eventType").asText());
        assertEquals(start.path("run").path("runId"), done.path("run").path("runId"), "both events are of one run");
        assertEquals("meshfl", done.path("job").path("namespace").asText());
        assertEquals("credit-default", done.path("job").path("name").asText());
        assertEquals("TRAINING", done.path("job").path("facets").path("jobType").path("jobType").asText());

        JsonNode north = done.path("inputs").get(0);
        assertEquals("meshfl://lending-north", north.path("namespace").asText());
        assertEquals("lending-north.loans", north.path("name").asText());
        JsonNode fields = north.path("facets").path("schema").path("fields");
        assertEquals(3, fields.size());
        assertEquals("customer_id", fields.get(0).path("name").asText());
        assertEquals("string", fields.get(0).path("type").asText());
        assertEquals("number", fields.get(1).path("type").asText());
        assertEquals("1.0.0", north.path("facets").path("version").path("datasetVersion").asText());
        assertEquals("ab".repeat(32), north.path("facets").path("version").path("contractSha256").asText());
        assertEquals("2.1.0", done.path("inputs").get(1).path("facets").path("version").path("datasetVersion").asText());

        JsonNode model = done.path("outputs").get(0);
        assertEquals("meshfl://models", model.path("namespace").asText());
        assertEquals("credit-default", model.path("name").asText());
        assertEquals("3", model.path("facets").path("version").path("datasetVersion").asText());
        assertEquals("model-20261206-144840-ef56", model.path("facets").path("version").path("modelId").asText());
        assertEquals("MODEL", model.path("facets").path("datasetType").path("datasetType").asText());
        assertTrue(tags(done.path("run").path("facets")).contains("meshfl.run_id=run-20261206-144834-ab12"), done.toString());
    }

    @Test
    void aFailedRunsEventValidatesSaysWhyAndHasNoOutput() throws Exception {
        JsonNode fail = valid(LineageEvents.fail(TRAINING, List.of(NORTH, SOUTH), "NODE_LOST(602): domain lending-south stopped answering",
                AT.plusSeconds(9)));
        assertEquals("FAIL", fail.path("eventType").asText());
        assertEquals("NODE_LOST(602): domain lending-south stopped answering",
                fail.path("run").path("facets").path("errorMessage").path("message").asText());
        assertEquals(2, fail.path("inputs").size());
        assertEquals(0, fail.path("outputs").size());
    }

    @Test
    void aPromotionEventValidatesWithTheModelAtProductionAndWhoApprovedEachInput() throws Exception {
        LineageRun promotion = new LineageRun(LineageRun.Kind.PROMOTION, MODEL.modelId() + "@" + AT, "promote-credit-default", null, "horizontal",
                "client:operator");
        LineageDataset.Model promoted = new LineageDataset.Model(MODEL.name(), MODEL.version(), MODEL.modelId(), MODEL.owner(), "production",
                MODEL.modelType(), MODEL.strategy());
        JsonNode e = valid(LineageEvents.promotion(promotion, List.of(NORTH, SOUTH), Map.of(NORTH.productId(), "domain:lending-north",
                SOUTH.productId(), "domain:lending-south"), promoted, AT));
        assertEquals("COMPLETE", e.path("eventType").asText());
        assertEquals("PROMOTION", e.path("job").path("facets").path("jobType").path("jobType").asText());
        assertTrue(tags(e.path("outputs").get(0).path("facets")).contains("meshfl.stage=production"), e.toString());
        assertTrue(tags(e.path("inputs").get(1).path("facets")).contains("meshfl.approved_by=domain:lending-south"), e.toString());
    }

    @Test
    void aScoringRunReadsTheModelAndItsProductsAndMakesPredictionsWithTheRequester() throws Exception {
        LineageRun predict = LineageRun.of(LineageRun.Kind.PREDICTION, "run-20261206-150000-aa00", "predict-" + MODEL.modelId(), "job-x",
                "vertical-inference", "client:operator");
        JsonNode e = valid(LineageEvents.complete(predict, List.of(NORTH, MODEL),
                List.of(new LineageDataset.Predictions("lending-north", MODEL.name(), MODEL.modelId(), 210)), AT));
        assertEquals("meshfl://models", e.path("inputs").get(1).path("namespace").asText());
        assertEquals("meshfl://lending-north", e.path("outputs").get(0).path("namespace").asText());
        assertEquals("credit-default.predictions", e.path("outputs").get(0).path("name").asText());
    }

    /** The check can fail: each of these breaks the published schema and is reported. */
    @Test
    void anEventThatBreaksTheSchemaDoesNotValidate() throws Exception {
        String good = LineageEvents.toJson(LineageEvents.complete(TRAINING, List.of(NORTH), List.of(MODEL), AT));
        assertEquals(List.of(), SCHEMA.problems(good));
        assertBroken(good, e -> e.remove("eventTime"), "eventTime");
        assertBroken(good, e -> e.put("eventType", "FINISHED"), "eventType");
        assertBroken(good, e -> ((ObjectNode) e.path("run")).put("runId", "run-20261206-144834-ab12"), "runId");
        assertBroken(good, e -> ((ObjectNode) e.path("inputs").get(0)).remove("namespace"), "namespace");
        // a facet is checked against its own schema: a schema field without a name, a version facet without its version
        assertBroken(good, e -> ((ObjectNode) e.path("inputs").get(0).path("facets").path("schema").path("fields").get(0)).remove("name"),
                "name");
        assertBroken(good, e -> ((ObjectNode) e.path("inputs").get(0).path("facets").path("version")).remove("datasetVersion"),
                "datasetVersion");
        assertBroken(good, e -> ((ObjectNode) e.path("inputs").get(0).path("facets").path("schema")).put("fields", "customer_id"), "fields");
        // a facet whose schema the test does not hold is refused rather than waved through
        assertBroken(good, e -> ((ObjectNode) e.path("run").path("facets").path("tags")).put("_schemaURL",
                "https://openlineage.io/spec/facets/9-9-9/TagsRunFacet.json#/$defs/TagsRunFacet"), "no local copy");
    }

    private static void assertBroken(String good, Consumer<ObjectNode> breakIt, String named) throws Exception {
        ObjectNode e = (ObjectNode) JSON.readTree(good);
        breakIt.accept(e);
        List<String> problems = SCHEMA.problems(e.toString());
        assertFalse(problems.isEmpty(), "a broken event validated: " + e);
        assertTrue(problems.stream().anyMatch(p -> p.contains(named)), problems.toString());
    }

    private static JsonNode valid(RunEvent event) throws Exception {
        String json = LineageEvents.toJson(event);
        assertFalse(json.contains("\n"), "one event is one line");
        assertEquals(List.of(), SCHEMA.problems(json), json);
        return JSON.readTree(json);
    }

    private static List<String> tags(JsonNode facets) {
        ArrayNode tags = (ArrayNode) facets.path("tags").path("tags");
        return tags == null ? List.of() : java.util.stream.StreamSupport.stream(tags.spliterator(), false)
                .map(t -> t.path("key").asText() + "=" + t.path("value").asText()).toList();
    }
}
