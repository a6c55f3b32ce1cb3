package io.meshfl.coordinator;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.plan.JobLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Runs that start from a stored model ({@code warmStart}): with full-batch gradient descent, two
 * epochs and a warm-started third give the model three epochs give, on every party's part; a model
 * that does not fit the job is refused naming the field before anything runs.
 */
class WarmStartJobTest {

    @TempDir
    Path dir;

    private static final List<String> PRODUCTS = List.of("bank.customers", "shop.customers", "telco.customers");

    private List<io.meshfl.core.contract.DataContract> data(long seed) throws Exception {
        return VerticalJobTest.binary(dir, 300, seed);
    }

    /** Full batch (more rows than the aligned 210), plain gradient descent, no early stop: an epoch depends on the weights alone. */
    private static String vertical(int epochs, String warm) {
        return """
                name: warm-vertical
                products: [bank.customers, shop.customers, telco.customers]
                label: target
                model: {type: logistic}
                vertical: {epochs: %d, batchSize: 1000, lr: 0.5, keyBits: 1024, tol: 0}
                seed: 3
                """.formatted(epochs) + (warm == null ? "" : "warmStart: " + warm + "\n");
    }

    private static String split(int epochs, String warm) {
        return """
                name: warm-split
                products: [bank.customers, shop.customers, telco.customers]
                label: target
                model: {type: splitnn}
                split: {bottomHidden: [8], cutWidth: 3, topHidden: [4], epochs: %d, batchSize: 1000, lr: 0.3, optimizer: sgd, labels: bank}
                seed: 5
                """.formatted(epochs) + (warm == null ? "" : "warmStart: " + warm + "\n");
    }

    private static ObjectNode run(TestMesh mesh, String yaml, HorizontalJobTest.Recorder rec) {
        return mesh.coordinator.runJob(JobLoader.parse(yaml, "job.yaml"), yaml, rec);
    }

    /** Each scored row's score, as predict writes them (the label holder's rows, in its order). */
    private static List<String> scores(TestMesh mesh, ObjectNode report) throws Exception {
        ObjectNode pred = mesh.coordinator.predict(report.path("model_id").asText(), PRODUCTS, null, new HorizontalJobTest.Recorder());
        return Files.readAllLines(Path.of(pred.path("predictions").asText()));
    }

    private static void assertSameScores(List<String> expected, List<String> actual, double tolerance) {
        assertEquals(expected.size(), actual.size());
        assertEquals(expected.get(0), actual.get(0));
        int compared = 0;
        List<String> header = List.of(expected.get(0).split(",", -1));
        for (int i = 1; i < expected.size(); i++) {
            String[] e = expected.get(i).split(",", -1), a = actual.get(i).split(",", -1);
            assertEquals(e[0], a[0], "row " + i);
            for (int j = 1; j < e.length; j++) {
                if (header.get(j).startsWith("model")) continue; // the model's name and version: each run's own
                if (e[j].isEmpty()) {
                    assertEquals("", a[j], "row " + i + " column " + header.get(j));
                    continue;
                }
                assertEquals(Double.parseDouble(e[j]), Double.parseDouble(a[j]), tolerance, "row " + i + " (" + e[0] + ") column " + header.get(j));
                compared++;
            }
        }
        assertTrue(compared >= 210, "scored rows compared: " + compared);
    }

    @Test
    void verticalLogisticTwoEpochsAndAWarmThirdAreThreeEpochs() throws Exception {
        try (TestMesh mesh = new TestMesh(data(21), 200)) {
            ObjectNode three = run(mesh, vertical(3, null), new HorizontalJobTest.Recorder());
            ObjectNode two = run(mesh, vertical(2, null), new HorizontalJobTest.Recorder());
            HorizontalJobTest.Recorder rec = new HorizontalJobTest.Recorder();
            ObjectNode warm = run(mesh, vertical(1, two.path("model_id").asText()), rec);
            assertTrue(rec.plan.contains("warm start from model " + two.path("model_id").asText()), rec.plan);
            assertEquals(two.path("model_id").asText(), warm.path("provenance").path("warm_start").path("model_id").asText());
            assertEquals(two.path("run_id").asText(), warm.path("provenance").path("warm_start").path("run_id").asText());
            List<String> expected = scores(mesh, three);
            // fixed-point sums under Paillier are exact, so the warm third epoch lands on the same weights
            assertSameScores(expected, scores(mesh, warm), 1e-9);
            assertEquals(three.path("metrics").path("auc").asDouble(), warm.path("metrics").path("auc").asDouble(), 1e-12);
            // and a cold single epoch does not: the test can tell a warm start from none
            ObjectNode cold = run(mesh, vertical(1, null), new HorizontalJobTest.Recorder());
            assertNotEquals(expected, scores(mesh, cold));
        }
    }

    @Test
    void splitNetworkTwoEpochsAndAWarmThirdAreThreeEpochs() throws Exception {
        try (TestMesh mesh = new TestMesh(data(22), 200)) {
            ObjectNode three = run(mesh, split(3, null), new HorizontalJobTest.Recorder());
            ObjectNode two = run(mesh, split(2, null), new HorizontalJobTest.Recorder());
            HorizontalJobTest.Recorder rec = new HorizontalJobTest.Recorder();
            ObjectNode warm = run(mesh, split(1, two.path("model_id").asText()), rec);
            assertTrue(rec.logs.stream().anyMatch(l -> l.contains("split: warm start from model " + two.path("model_id").asText())), rec.logs.toString());
            // every bottom on its party and the top here as two epochs left them: only the order of a batch's rows differs
            assertSameScores(scores(mesh, three), scores(mesh, warm), 1e-9);
            assertEquals(three.path("metrics").path("auc").asDouble(), warm.path("metrics").path("auc").asDouble(), 1e-9);
        }
    }

    @Test
    void aHorizontalModelTrainedTwoRoundsAndAWarmThirdIsTheModelOfThreeRounds() throws Exception {
        // full batch (more than a node's rows), plain local gradient descent, every node every round: a round depends on the model alone
        try (TestMesh mesh = new TestMesh(TestMesh.writeProducts(dir, 3, 200, 3, 4), 200)) {
            java.util.function.BiFunction<Integer, String, String> job = (rounds, warm) -> TestMesh.job(3, rounds, 3, warm == null ? "" : "warmStart: " + warm)
                    .replace("batchSize: 32", "batchSize: 1000");
            ObjectNode three = run(mesh, job.apply(3, null), new HorizontalJobTest.Recorder());
            ObjectNode two = run(mesh, job.apply(2, null), new HorizontalJobTest.Recorder());
            HorizontalJobTest.Recorder rec = new HorizontalJobTest.Recorder();
            ObjectNode warm = run(mesh, job.apply(1, two.path("model_id").asText()), rec);
            assertTrue(rec.plan.contains("the run starts from its parameters and keeps its scaling"), rec.plan);
            double[] expected = mesh.catalog.model(three.path("model_id").asText()).orElseThrow().parameters();
            double[] actual = mesh.catalog.model(warm.path("model_id").asText()).orElseThrow().parameters();
            assertEquals(expected.length, actual.length);
            for (int i = 0; i < expected.length; i++) assertEquals(expected[i], actual[i], 1e-9, "parameter " + i);
            double[] cold = mesh.catalog.model(run(mesh, job.apply(1, null), new HorizontalJobTest.Recorder()).path("model_id").asText())
                    .orElseThrow().parameters();
            assertTrue(Math.abs(cold[0] - expected[0]) > 1e-6, "one round from fresh weights is another model");
            // a model trained on unscaled features does not go on under standardized ones
            ObjectNode unscaled = run(mesh, job.apply(1, null).replace("seed: 5", "seed: 5\nscaling: none"), new HorizontalJobTest.Recorder());
            MeshflException e = assertThrows(MeshflException.class, () -> run(mesh, job.apply(1, unscaled.path("model_id").asText()),
                    new HorizontalJobTest.Recorder()));
            assertTrue(e.getMessage().contains("was trained on unscaled features; this job standardizes them"), e.getMessage());
        }
    }

    @Test
    void aModelThatDoesNotFitTheJobIsRefusedNamingWarmStartBeforeAnythingRuns() throws Exception {
        try (TestMesh mesh = new TestMesh(data(23), 200)) {
            ObjectNode v = run(mesh, vertical(1, null), new HorizontalJobTest.Recorder());
            String model = v.path("model_id").asText();
            int runs = mesh.catalog.runs().size();

            MeshflException none = assertThrows(MeshflException.class, () -> run(mesh, vertical(1, "m-nothing"), new HorizontalJobTest.Recorder()));
            assertEquals(ErrorCode.JOB_INVALID, none.code());
            assertTrue(none.getMessage().contains("warmStart: no model 'm-nothing' in the catalog"), none.getMessage());

            MeshflException strategy = assertThrows(MeshflException.class, () -> run(mesh, split(1, model), new HorizontalJobTest.Recorder()));
            assertTrue(strategy.getMessage().contains("warmStart: model " + model + " was trained by strategy vertical; this job plans as split"),
                    strategy.getMessage());

            String linear = vertical(1, model).replace("type: logistic", "type: linear");
            MeshflException type = assertThrows(MeshflException.class, () -> run(mesh, linear, new HorizontalJobTest.Recorder()));
            assertTrue(type.getMessage().contains("is of type logistic; this job trains linear"), type.getMessage());

            String fewer = vertical(1, model).replace("products: [bank.customers, shop.customers, telco.customers]",
                    "products: [bank.customers, shop.customers]");
            MeshflException products = assertThrows(MeshflException.class, () -> run(mesh, fewer, new HorizontalJobTest.Recorder()));
            assertTrue(products.getMessage().contains("learned from [bank.customers, shop.customers, telco.customers]; this job trains on "
                    + "[bank.customers, shop.customers]"), products.getMessage());

            String columns = vertical(1, model).replace("label: target", "label: target\nfeatures: [a0, b0, b1, c0]");
            MeshflException cols = assertThrows(MeshflException.class, () -> run(mesh, columns, new HorizontalJobTest.Recorder()));
            assertTrue(cols.getMessage().contains("learned from columns [a0, a1] of bank.customers; this job's are [a0]"), cols.getMessage());

            String trees = vertical(1, model).replace("vertical: {epochs: 1, batchSize: 1000, lr: 0.5, keyBits: 1024, tol: 0}\n", "")
                    .replace("type: logistic", "type: gbdt");
            MeshflException t = assertThrows(MeshflException.class, () -> run(mesh, trees, new HorizontalJobTest.Recorder()));
            assertTrue(t.getMessage().contains("field 'warmStart' applies to horizontal models, vertical linear models and split networks; "
                    + "this job plans as secureboost"), t.getMessage());

            assertEquals(runs, mesh.catalog.runs().size(), "no refused job started a run");
        }
    }
}
