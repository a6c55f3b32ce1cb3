package io.meshfl.coordinator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshfl.core.catalog.ModelCards;
import io.meshfl.core.contract.ContractLoader;
import io.meshfl.core.contract.DataContract;
import io.meshfl.core.plan.JobLoader;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Drift of scoring batches: each party's features against its training rows, the scores against
 * the first batch's, stored with the run's metrics, on the model card and as Prometheus gauges,
 * with an alert when a domain's feature shifts.
 */
class DriftMonitoringTest {

    @TempDir
    Path dir;

    /** shop.shifted: shop's customers with column b0 moved up by one standard deviation (3), b1 as it was. */
    private DataContract shiftedShop() throws Exception {
        List<String> lines = Files.readAllLines(dir.resolve("shop.csv"));
        StringBuilder csv = new StringBuilder(lines.get(0)).append('\n');
        for (String l : lines.subList(1, lines.size())) {
            String[] f = l.split(",");
            csv.append(f[0]).append(String.format(Locale.ROOT, ",%.6f,", Double.parseDouble(f[1]) + 3.0)).append(f[2]).append('\n');
        }
        Files.writeString(dir.resolve("shop-shifted.csv"), csv);
        Files.writeString(dir.resolve("shop-shifted.yaml"), Files.readString(dir.resolve("shop.yaml")).replace("id: shop.customers", "id: shop.shifted")
                .replace("dataProduct: customers", "dataProduct: shifted").replace("path: shop.csv", "path: shop-shifted.csv"));
        return ContractLoader.load(dir.resolve("shop-shifted.yaml"));
    }

    private static double psi(ObjectNode pred, String key) {
        JsonNode v = pred.path("metrics").path("drift_psi:" + key);
        assertTrue(v.isNumber(), key + " in " + pred.path("metrics"));
        return v.asDouble();
    }

    @Test
    void aShiftedFeatureOfOneDomainIsAnAlertAndTheOthersStayPut() throws Exception {
        EveryRowScoringTest gen = new EveryRowScoringTest();
        gen.dir = dir;
        List<DataContract> contracts = new ArrayList<>(gen.write(11, null));
        contracts.add(shiftedShop());
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        Metrics.addRegistry(meters);
        try (TestMesh mesh = TestMesh.byDomain(contracts, 200)) {
            mesh.coordinator.driftAlert(0.2);
            HorizontalJobTest.Recorder rec = new HorizontalJobTest.Recorder();
            ObjectNode report = mesh.coordinator.runJob(JobLoader.parse(EveryRowScoringTest.JOB, "job.yaml"), EveryRowScoringTest.JOB, rec);
            String model = report.path("model_id").asText();
            Map<String, List<String>> features = Map.of("bank", List.of("a0", "a1"), "shop", List.of("b0", "b1"), "telco", List.of("c0"));

            // the first batch: the products the model trained on; its scores become the baseline
            ObjectNode first = mesh.coordinator.predict(model, EveryRowScoringTest.PRODUCTS, null, new PredictOptions("impute-mean", null, null), rec);
            for (var e : features.entrySet()) {
                for (String f : e.getValue()) {
                    double v = psi(first, e.getKey() + ":" + f);
                    assertTrue(v >= 0 && v < 0.05, e.getKey() + "." + f + " drifted " + v + " on its own training rows");
                }
            }
            assertEquals(0.0, psi(first, "shop:b0"), 1e-12, "shop scores exactly the rows it trained on");
            assertEquals(1.0, first.path("metrics").path("drift_baseline").asDouble());
            assertTrue(first.path("metrics").path("drift_psi:score").isMissingNode(), "no score drift on the baseline batch");
            assertEquals(0.0, first.path("metrics").path("drift_alerts").asDouble(-1));

            // the second batch: shop's b0 moved by one standard deviation
            int logsBefore = rec.logs.size();
            ObjectNode second = mesh.coordinator.predict(model, List.of("bank.customers", "shop.shifted", "telco.customers"), null,
                    new PredictOptions("impute-mean", null, null), rec);
            double shifted = psi(second, "shop:b0");
            assertTrue(shifted > 0.2, "shop.b0 shifted by one sd: PSI " + shifted);
            assertTrue(psi(second, "shop:b1") < 0.05, "shop.b1 did not move");
            for (String d : List.of("bank", "telco")) {
                for (String f : features.get(d)) assertEquals(psi(first, d + ":" + f), psi(second, d + ":" + f), 1e-12, d + "." + f);
            }
            assertFalse(second.path("metrics").has("drift_baseline"));
            double score = psi(second, "score");
            assertTrue(score > 0, "the scores moved with shop's feature: " + score);
            assertTrue(second.path("metrics").path("drift_alerts").asDouble() >= 1, second.path("metrics").toString());
            List<String> logs = rec.logs.subList(logsBefore, rec.logs.size());
            assertTrue(logs.stream().anyMatch(l -> l.startsWith("drift alert: shop's feature b0 PSI")), logs.toString());
            assertFalse(logs.stream().anyMatch(l -> l.contains("feature b1") || l.contains("bank's") || l.contains("telco's")), logs.toString());

            // stored with the run's metrics
            String runId = second.path("run_id").asText();
            JsonNode stored = io.meshfl.core.report.RunReport.JSON.readTree(mesh.catalog.run(runId).orElseThrow().metricsJson());
            assertEquals(shifted, stored.path("drift_psi:shop:b0").asDouble(), 1e-12);
            assertEquals(score, stored.path("drift_psi:score").asDouble(), 1e-12);

            // for Prometheus: the gauge carries the batch's index, the alert is counted
            var gauge = meters.find("meshfl.drift.psi").tags("model", model, "domain", "shop", "feature", "b0").gauge();
            assertNotNull(gauge);
            assertEquals(shifted, gauge.value(), 1e-12);
            assertEquals(score, meters.find("meshfl.drift.psi").tags("model", model, "feature", "score").gauge().value(), 1e-12);
            assertEquals(psi(second, "bank:a0"), meters.find("meshfl.drift.psi").tags("model", model, "domain", "bank", "feature", "a0").gauge().value(), 1e-12);
            assertEquals(1.0, meters.find("meshfl.drift.alerts").tags("model", model, "domain", "shop", "feature", "b0").counter().count());
            assertTrue(meters.find("meshfl.drift.alerts").tags("model", model, "domain", "bank").counters().isEmpty());

            // the card: the latest drift per domain and feature and of the score, with the batch it came from
            JsonNode drift = ModelCards.card(mesh.catalog, model).path("drift");
            assertEquals(2, drift.path("batches").asInt());
            assertEquals(first.path("run_id").asText(), drift.path("score_baseline_run").asText());
            assertEquals(score, drift.path("score").path("psi").asDouble(), 1e-12);
            assertEquals(runId, drift.path("score").path("run").asText());
            JsonNode b0 = null;
            for (JsonNode f : drift.path("features")) if (f.path("domain").asText().equals("shop") && f.path("feature").asText().equals("b0")) b0 = f;
            assertNotNull(b0, drift.toString());
            assertEquals(shifted, b0.path("psi").asDouble(), 1e-12);
            assertEquals(runId, b0.path("run").asText());
            assertEquals(5, drift.path("features").size(), drift.toString());
        } finally {
            Metrics.removeRegistry(meters);
        }
    }

    @Test
    void boostedTreesReportTheShiftedFeatureOfTheirHostToo() throws Exception {
        EveryRowScoringTest gen = new EveryRowScoringTest();
        gen.dir = dir;
        List<DataContract> contracts = new ArrayList<>(gen.write(12, null));
        contracts.add(shiftedShop());
        try (TestMesh mesh = TestMesh.byDomain(contracts, 200)) {
            HorizontalJobTest.Recorder rec = new HorizontalJobTest.Recorder();
            String yaml = """
                    name: drift-boost
                    products: [bank.customers, shop.customers, telco.customers]
                    label: target
                    model: {type: gbdt}
                    boost: {trees: 2, depth: 2, bins: 16, lr: 0.3, keyBits: 1024}
                    seed: 5
                    """;
            String model = mesh.coordinator.runJob(JobLoader.parse(yaml, "job.yaml"), yaml, rec).path("model_id").asText();
            ObjectNode first = mesh.coordinator.predict(model, EveryRowScoringTest.PRODUCTS, null, new PredictOptions("impute-mean", null, null), rec);
            assertTrue(psi(first, "shop:b0") < 0.05 && psi(first, "bank:a0") < 0.05 && psi(first, "telco:c0") < 0.05, first.path("metrics").toString());
            assertEquals(1.0, first.path("metrics").path("drift_baseline").asDouble());
            ObjectNode second = mesh.coordinator.predict(model, List.of("bank.customers", "shop.shifted", "telco.customers"), null,
                    new PredictOptions("impute-mean", null, null), rec);
            assertTrue(psi(second, "shop:b0") > 0.2, second.path("metrics").toString());
            assertEquals(psi(first, "telco:c0"), psi(second, "telco:c0"), 1e-12);
            assertTrue(second.path("metrics").path("drift_psi:score").isNumber());
            assertTrue(second.path("metrics").path("drift_alerts").asDouble() >= 1);
        }
    }
}
