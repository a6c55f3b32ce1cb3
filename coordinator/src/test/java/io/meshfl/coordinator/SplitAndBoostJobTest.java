package io.meshfl.coordinator;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.catalog.RunRecord;
import io.meshfl.core.plan.JobLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Split networks and SecureBoost trees as jobs over in-process gRPC: planned from the model type,
 * recorded in the catalog with their rounds, scored across domains by predict, and failing
 * cleanly when the label holder drops out.
 */
class SplitAndBoostJobTest {

    @TempDir
    Path dir;

    private static final List<String> PRODUCTS = List.of("bank.customers", "shop.customers", "telco.customers");

    private List<io.meshfl.core.contract.DataContract> data(int customers, long seed) throws Exception {
        return VerticalJobTest.binary(dir, customers, seed);
    }

    private static String splitJob(String labels, int epochs) {
        return """
                name: split-test
                products: [bank.customers, shop.customers, telco.customers]
                label: target
                model: {type: splitnn}
                split: {bottomHidden: [8], cutWidth: 3, topHidden: [4], epochs: %d, batchSize: 32, lr: 0.02, labels: %s}
                seed: 5
                """.formatted(epochs, labels);
    }

    private static String boostJob(int trees) {
        return """
                name: boost-test
                products: [bank.customers, shop.customers, telco.customers]
                label: target
                model: {type: gbdt}
                boost: {trees: %d, depth: 2, bins: 16, lr: 0.3, keyBits: 1024}
                seed: 5
                """.formatted(trees);
    }

    private static void assertScoresTrainingRows(TestMesh mesh, ObjectNode report, HorizontalJobTest.Recorder rec, double auc) throws Exception {
        ObjectNode pred = mesh.coordinator.predict(report.path("model_id").asText(), PRODUCTS, null, rec);
        assertEquals("bank", pred.path("requester").asText());
        // every row of the label holder's 270 is listed, those a party does not know unscored
        assertEquals(270, pred.path("rows").asInt());
        assertEquals(210, pred.path("metrics").path("rows_scored").asInt());
        assertEquals(auc, pred.path("metrics").path("auc").asDouble(), 1e-4, "scoring the training rows reproduces the training AUC");
        List<String> lines = Files.readAllLines(Path.of(pred.path("predictions").asText()));
        assertEquals(pred.path("rows").asInt() + 1, lines.size());
        assertTrue(lines.get(1).startsWith("C"), lines.get(1));
    }

    @Test
    void splitNetworkWithLabelOwnerTrainsAndScoresAcrossDomains() throws Exception {
        try (TestMesh mesh = new TestMesh(data(300, 11), 200)) {
            String yaml = splitJob("bank", 12);
            HorizontalJobTest.Recorder rec = new HorizontalJobTest.Recorder();
            ObjectNode report = mesh.coordinator.runJob(JobLoader.parse(yaml, "job.yaml"), yaml, rec);
            assertTrue(rec.plan.contains("strategy=split"), rec.plan);
            assertEquals("split", report.path("plan").path("strategy").asText());
            double auc = report.path("metrics").path("auc").asDouble();
            assertTrue(auc > 0.8, "auc " + auc);
            RunRecord run = mesh.catalog.run(report.path("run_id").asText()).orElseThrow();
            assertEquals(RunRecord.SUCCEEDED, run.status());
            assertEquals(12, mesh.catalog.rounds(run.id()).size());
            assertTrue(report.path("provenance").path("split_settings").path("cutWidth").asInt() == 3, report.path("provenance").toString());
            assertScoresTrainingRows(mesh, report, rec, auc);
        }
    }

    @Test
    void secureBoostTrainsTreesAndScoresAcrossDomains() throws Exception {
        try (TestMesh mesh = new TestMesh(data(300, 12), 200)) {
            String yaml = boostJob(4);
            HorizontalJobTest.Recorder rec = new HorizontalJobTest.Recorder();
            ObjectNode report = mesh.coordinator.runJob(JobLoader.parse(yaml, "job.yaml"), yaml, rec);
            assertTrue(rec.plan.contains("strategy=secureboost"), rec.plan);
            double auc = report.path("metrics").path("auc").asDouble();
            assertTrue(auc > 0.8, "auc " + auc);
            RunRecord run = mesh.catalog.run(report.path("run_id").asText()).orElseThrow();
            assertEquals(4, mesh.catalog.rounds(run.id()).size());
            assertScoresTrainingRows(mesh, report, rec, auc);
        }
    }

    /**
     * A split network and boosted trees scored out of time equal the same models scored on the same
     * later customers given as an evaluation product: the evaluation entities come after every
     * party's training rows and never train; the stored model scores them as the run did.
     */
    @Test
    void splitNetworksAndBoostedTreesScoreEvaluationProductsAndOutOfTimeRowsAlike() throws Exception {
        VerticalJobTest v = new VerticalJobTest();
        v.dir = dir;
        try (TestMesh mesh = TestMesh.byDomain(v.dated(400, 9), 200)) {
            for (String yaml : List.of(splitJob("bank", 3), boostJob(3))) {
                String cut = yaml + "evaluation: {outOfTime: {column: opened, after: 2024-10-26}}\nselection: {metric: auc, patience: 5}\n";
                ObjectNode byTime = mesh.coordinator.runJob(JobLoader.parse(cut, "job.yaml"), cut, new HorizontalJobTest.Recorder());
                String products = yaml.replace("bank.customers", "bank.old") + "evaluation: {products: [bank.recent]}\nselection: {metric: auc, patience: 5}\n";
                HorizontalJobTest.Recorder rec = new HorizontalJobTest.Recorder();
                ObjectNode byProduct = mesh.coordinator.runJob(JobLoader.parse(products, "job.yaml"), products, rec);
                String strategy = byTime.path("plan").path("strategy").asText();
                assertTrue(rec.plan.contains("evaluate bank.recent"), rec.plan);
                assertEquals(210.0, byTime.path("metrics").path("psi_intersection").asDouble(), strategy + ": the rows up to the cut train");
                assertEquals(70.0, byTime.path("metrics").path("holdout_rows").asDouble(), strategy + ": the rows after it evaluate");
                for (String m : List.of("auc", "train_auc", "holdout_rows")) {
                    assertEquals(byProduct.path("metrics").path(m).asDouble(), byTime.path("metrics").path(m).asDouble(), 1e-12, strategy + " " + m);
                }
                assertTrue(byTime.path("metrics").path("auc").asDouble() > 0.7, strategy + " " + byTime.path("metrics"));
                assertTrue(byTime.path("diagnostics").path("over").asText().startsWith("out-of-time rows of bank.customers"),
                        byTime.path("diagnostics").toString());
                assertEquals(70, byProduct.path("diagnostics").path("rows").asInt());
                ObjectNode pred = mesh.coordinator.predict(byProduct.path("model_id").asText(),
                        List.of("bank.recent", "shop.customers", "telco.customers"), null, rec);
                assertEquals(70, pred.path("metrics").path("rows_scored").asInt());
                assertEquals(byProduct.path("metrics").path("auc").asDouble(), pred.path("metrics").path("auc").asDouble(), 1e-4,
                        strategy + ": the stored model scores the evaluation rows as the run did");
            }
        }
    }

    private void labelHolderDropsOut(String yaml) throws Exception {
        try (TestMesh mesh = new TestMesh(data(200, 13), 200)) {
            HorizontalJobTest.Recorder rec = new HorizontalJobTest.Recorder();
            Thread killer = new Thread(() -> {
                try {
                    while (rec.rounds.isEmpty()) Thread.sleep(5);
                    mesh.nodes.get(0).close();
                } catch (InterruptedException ignored) {
                    Thread.currentThread().interrupt();
                }
            });
            killer.start();
            var e = assertThrows(MeshflException.class, () -> mesh.coordinator.runJob(JobLoader.parse(yaml, "job.yaml"), yaml, rec));
            killer.join();
            assertTrue(e.getMessage().contains("bank"), e.getMessage());
            RunRecord run = mesh.catalog.runs().get(0);
            assertEquals(RunRecord.FAILED, run.status());
            assertTrue(mesh.catalog.modelsForRun(run.id()).isEmpty(), "no model is stored for a failed run");
        }
    }

    @Test
    void splitJobFailsCleanlyWhenTheLabelOwnerDropsOut() throws Exception {
        labelHolderDropsOut(splitJob("bank", 200));
    }

    @Test
    void secureBoostJobFailsCleanlyWhenTheLabelHolderDropsOut() throws Exception {
        labelHolderDropsOut(boostJob(200));
    }
}
