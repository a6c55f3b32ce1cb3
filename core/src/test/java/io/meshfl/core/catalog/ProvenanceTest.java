package io.meshfl.core.catalog;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProvenanceTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void provenanceRoundTripsAsJsonWithAllFields() throws Exception {
        Instant start = Instant.parse("2030-01-01T10:00:00Z");
        Instant end = Instant.parse("2030-01-01T10:05:00.5Z");
        ProductRecord loans = new ProductRecord("lending.loans", "lending", "1.2.0", "id: x", "ab".repeat(32), start, 800);
        String json = Provenance.builder()
                .runId("run-1").jobId("job-1").strategy("HORIZONTAL_FEDAVG").plan("{\"kind\":\"fedavg\",\"rounds\":10}")
                .product(loans)
                .hyperParameters(Map.of("lr", 0.1, "rounds", 10)).hyperParameter("optimizer", "sgd")
                .seed("run", 42).seed("dp", 7)
                .startedAt(start).endedAt(end)
                .metric("auc", 0.93).metricsJson("{\"loss\":0.31}")
                .toJson();

        JsonNode n = JSON.readTree(json);
        assertEquals(json, JSON.writeValueAsString(n), "JSON must round-trip unchanged");
        assertEquals("run-1", n.get("runId").asText());
        assertEquals("job-1", n.get("jobId").asText());
        assertEquals("HORIZONTAL_FEDAVG", n.get("strategy").asText());
        assertEquals(10, n.get("plan").get("rounds").asInt());
        JsonNode p = n.get("products").get(0);
        assertEquals("lending.loans", p.get("id").asText());
        assertEquals("1.2.0", p.get("version").asText());
        assertEquals("ab".repeat(32), p.get("contractSha256").asText());
        assertEquals(0.1, n.get("hyperParameters").get("lr").asDouble());
        assertEquals("sgd", n.get("hyperParameters").get("optimizer").asText());
        assertEquals(42, n.get("seeds").get("run").asLong());
        assertEquals(7, n.get("seeds").get("dp").asLong());
        assertEquals(start, Instant.parse(n.get("startedAt").asText()));
        assertEquals(end, Instant.parse(n.get("endedAt").asText()));
        assertEquals(0.93, n.get("metrics").get("auc").asDouble());
        assertEquals(0.31, n.get("metrics").get("loss").asDouble());
        assertEquals("dev", n.get("meshflVersion").asText());
        JsonNode env = n.get("environment");
        assertEquals(System.getProperty("java.version"), env.get("javaVersion").asText());
        assertEquals(System.getProperty("java.vendor"), env.get("javaVendor").asText());
        assertEquals(System.getProperty("os.name"), env.get("osName").asText());
        assertEquals(System.getProperty("os.arch"), env.get("osArch").asText());
        assertFalse(env.get("hostName").asText().isBlank());
        assertEquals(Runtime.getRuntime().availableProcessors(), env.get("availableProcessors").asInt());
    }

    @Test
    void provenanceFromACatalogRunCarriesItsPlanConfigSeedAndProducts() throws Exception {
        try (Catalog c = Catalog.inMemory("provenance-test")) {
            ProductRecord p = c.registerProduct("payments.tx", "payments", "3.0.0", "id: payments.tx\n", -1);
            String job = c.createJob("j", "spec").id();
            RunRecord run = c.startRun(job, "VERTICAL_LR", "{\"plan\":\"vertical\"}", "{\"lr\":0.05,\"epochs\":3}", 99, java.util.List.of(p.id()));
            run = c.finishRun(run.id(), "{\"rmse\":0.28}", 1, 2);
            String json = Provenance.builder().run(run).products(c.runProducts(run.id())).toJson();
            ModelRecord m = c.saveModel(run.id(), "LINEAR", new double[] {1, 2}, json);
            JsonNode n = JSON.readTree(c.model(m.id()).orElseThrow().provenanceJson());
            assertEquals(run.id(), n.get("runId").asText());
            assertEquals(job, n.get("jobId").asText());
            assertEquals("vertical", n.get("plan").get("plan").asText());
            assertEquals(0.05, n.get("hyperParameters").get("lr").asDouble());
            assertEquals(99, n.get("seeds").get("run").asLong());
            assertEquals(0.28, n.get("metrics").get("rmse").asDouble());
            assertEquals(p.contractSha256(), n.get("products").get(0).get("contractSha256").asText());
            assertTrue(n.get("endedAt").isTextual());
        }
    }

    @Test
    void planThatIsNotJsonIsKeptAsText() throws Exception {
        JsonNode n = JSON.readTree(Provenance.builder().plan("fedavg x10").toJson());
        assertEquals("fedavg x10", n.get("plan").asText());
        assertTrue(n.get("endedAt").isNull());
    }
}
