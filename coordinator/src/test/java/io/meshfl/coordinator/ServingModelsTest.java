package io.meshfl.coordinator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.catalog.RunRecord;
import io.meshfl.core.data.Dataset;
import io.meshfl.core.data.Standardizer;
import io.meshfl.core.model.ModelSpec;
import io.meshfl.core.model.Models;
import io.meshfl.core.plan.JobLoader;
import io.meshfl.core.protocol.scoring.Missing;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Online serving of boosted trees, split networks and horizontal models: every served prediction
 * equals batch scoring's of the same model, key by key, including the 8% of customers one party does
 * not know (its part at its means, or refused), and the coverage each answer reports.
 */
class ServingModelsTest {

    @TempDir
    Path dir;

    private static final String BOOST = """
            name: served-boost
            products: [bank.customers, shop.customers, telco.customers]
            label: target
            model: {type: gbdt}
            boost: {trees: 3, depth: 2, bins: 16, lr: 0.3, keyBits: 1024}
            seed: 5
            """;

    private static final String SPLIT = """
            name: served-split
            products: [bank.customers, shop.customers, telco.customers]
            label: target
            model: {type: splitnn}
            split: {bottomHidden: [8], cutWidth: 3, topHidden: [4], epochs: 6, batchSize: 32, lr: 0.02, labels: bank}
            seed: 7
            """;

    @Test
    void boostedTreesServedByTheGuestEqualBatchScoringKeyByKey() throws Exception {
        servedEqualsBatch(BOOST, "secureboost-serving");
    }

    @Test
    void splitNetworksServedThroughTheCoordinatorsTopEqualBatchScoringKeyByKey() throws Exception {
        servedEqualsBatch(SPLIT, "split-serving");
    }

    /** Trains {@code job}, scores every row in batch, then serves every key (and one nobody knows) under both treatments of missing parts. */
    private void servedEqualsBatch(String job, String runStrategy) throws Exception {
        EveryRowScoringTest data = new EveryRowScoringTest();
        data.dir = dir;
        try (TestMesh mesh = TestMesh.byDomain(data.write(21, null), 200)) {
            HorizontalJobTest.Recorder rec = new HorizontalJobTest.Recorder();
            String model = mesh.coordinator.runJob(JobLoader.parse(job, "job.yaml"), job, rec).path("model_id").asText();
            List<String> products = EveryRowScoringTest.PRODUCTS;
            ObjectNode predicted = mesh.coordinator.predict(model, products, null, new PredictOptions("impute-mean", null, null), rec);
            Map<String, Map<String, String>> batch = EveryRowScoringTest.rows(predicted);
            assertEquals(500, batch.size());

            ServingClient.Link link = c -> mesh.coordinator.serve(c, null);
            String session;
            try (ServingClient client = ServingClient.open(link, model, products, mesh.coordinator.servingTicket(model, products), Missing.IMPUTE_MEAN,
                    ServingClient.Keys.NONE)) {
                session = client.session();
                assertEquals(List.of("bank", "shop", "telco"), client.parties());
                String[] keys = batch.keySet().toArray(new String[0]);
                int unknown = 0;
                for (int from = 0; from < keys.length; from += 128) {
                    String[] part = Arrays.copyOfRange(keys, from, Math.min(keys.length, from + 128));
                    ServingClient.Answer a = client.score(part);
                    for (int i = 0; i < part.length; i++) {
                        double expected = Double.parseDouble(batch.get(part[i]).get("prediction"));
                        assertEquals(expected, a.predictions()[i], Math.abs(expected) * 6e-6, part[i] + " (the batch file keeps 6 significant digits)");
                        boolean notShop = EveryRowScoringTest.unknownToShop(Integer.parseInt(part[i].substring(1)));
                        assertEquals(!notShop, a.known().get("shop")[i], part[i]);
                        assertEquals(batch.get(part[i]).get("part_shop"), a.known().get("shop")[i] ? "1" : "0", part[i]);
                        assertTrue(a.known().get("bank")[i] && a.known().get("telco")[i], part[i]);
                        if (notShop) unknown++;
                    }
                }
                assertEquals(40, unknown);
                ServingClient.Answer none = client.score(new String[]{"C-nobody"});
                assertFalse(none.known().get("bank")[0] || none.known().get("shop")[0] || none.known().get("telco")[0]);
                assertTrue(none.predictions()[0] > 0 && none.predictions()[0] < 1, "every part at its means: " + none.predictions()[0]);
            }
            RunRecord run = mesh.catalog.run(session).orElseThrow();
            assertEquals(RunRecord.SUCCEEDED, run.status());
            assertEquals(runStrategy, run.strategy());
            assertTrue(run.metricsJson().contains("\"keys_scored\":501.0"), run.metricsJson());
            // each party measured its rows' drift when it indexed them: the same rows batch scoring measured, the same index
            JsonNode sessionMetrics = io.meshfl.core.report.RunReport.JSON.readTree(run.metricsJson());
            int measured = 0;
            for (var f = predicted.path("metrics").fieldNames(); f.hasNext(); ) {
                String k = f.next();
                if (!k.startsWith("drift_psi:") || k.equals("drift_psi:score")) continue;
                assertEquals(predicted.path("metrics").path(k).asDouble(), sessionMetrics.path(k).asDouble(), 1e-12, k);
                measured++;
            }
            assertEquals(5, measured, "every column of every party: " + sessionMetrics);

            try (ServingClient strict = ServingClient.open(link, model, products, mesh.coordinator.servingTicket(model, products), Missing.REFUSE,
                    ServingClient.Keys.NONE)) {
                ServingClient.Answer a = strict.score(new String[]{"C3", "C4"});
                assertTrue(Double.isNaN(a.predictions()[0]), "C3 is unknown to shop");
                assertEquals(Double.parseDouble(batch.get("C4").get("prediction")), a.predictions()[1], 1e-5);
            }
        }
    }

    /**
     * A coordinator that hands the guest a host's sealed split bits of an earlier call, as if they
     * answered this one, is refused: the bits are sealed to the guest under the session, the call and
     * the host, so they open for that call only.
     */
    @Test
    void aHostsSealedBitsReplayedIntoAnotherCallAreRefusedByTheGuest() throws Exception {
        EveryRowScoringTest data = new EveryRowScoringTest();
        data.dir = dir;
        try (TestMesh mesh = TestMesh.byDomain(data.write(23, null), 200)) {
            HorizontalJobTest.Recorder rec = new HorizontalJobTest.Recorder();
            String model = mesh.coordinator.runJob(JobLoader.parse(BOOST, "job.yaml"), BOOST, rec).path("model_id").asText();
            List<String> products = EveryRowScoringTest.PRODUCTS;
            try (ServingClient client = ServingClient.open(c -> mesh.coordinator.serve(c, null), model, products,
                    mesh.coordinator.servingTicket(model, products), Missing.IMPUTE_MEAN, ServingClient.Keys.NONE)) {
                assertEquals(1, client.score(new String[]{"C1"}).predictions().length, "the session answers");
                String session = client.session();
                byte[] keys = new byte[16 * 3];
                Map<String, io.meshfl.node.DomainNode> nodes = new java.util.HashMap<>();
                mesh.nodes.forEach(n -> nodes.put(n.domain(), n));
                java.util.function.BiFunction<String, String, byte[]> bits = (host, call) -> {
                    var r = nodes.get(host).handle(io.meshfl.core.protocol.Message.request(session, session, io.meshfl.core.serving.ServeSteps.BOOST,
                            io.meshfl.core.serving.ServeSteps.LOOKUP, 0, host).withConfig(Map.of("call", call, "finisher", "bank"))
                            .withBlobs(Map.of("keys", keys)));
                    assertFalse(r.failed(), () -> r.error().message());
                    return r.blob("to:bank");
                };
                byte[] earlier = bits.apply("shop", "call-1");
                byte[] telco = bits.apply("telco", "call-2");
                var finish = io.meshfl.core.protocol.Message.request(session, session, io.meshfl.core.serving.ServeSteps.BOOST,
                        io.meshfl.core.serving.ServeSteps.FINISH, 0, "bank").withConfig(Map.of("call", "call-2", "parties", "bank,shop,telco")).withBlobs(Map.of("keys", keys, "from:shop", earlier, "from:telco", telco));
                MeshflException replayed = assertThrows(MeshflException.class, () -> nodes.get("bank").handle(finish));
                assertEquals(ErrorCode.CRYPTO_FAILURE, replayed.code(), replayed.getMessage());
                assertTrue(replayed.getMessage().contains("/call-2/shop/to/bank"), replayed.getMessage());
                var fresh = nodes.get("bank").handle(finish.withBlobs(Map.of("keys", keys, "from:shop", bits.apply("shop", "call-2"), "from:telco", telco)));
                assertFalse(fresh.failed(), () -> fresh.error().message());
            }
        }
    }

    /**
     * A horizontal model is served on the node of the domain whose rows are scored: its predictions
     * are the global model's over the domain's rows scaled as in training; a domain that did not
     * train it, or several products, are refused by name.
     */
    @Test
    void horizontalModelsAreServedOnTheTrainingDomainsOwnNodeAsTheGlobalModelScoresItsRows() throws Exception {
        var contracts = TestMesh.writeProducts(dir, 3, 300, 4, 17);
        try (TestMesh mesh = TestMesh.byDomain(contracts, 200)) {
            String job = TestMesh.job(2, 4, 2, "").replace("model: {type: logistic}", "model: {type: mlp, hidden: [6]}");
            HorizontalJobTest.Recorder rec = new HorizontalJobTest.Recorder();
            ObjectNode report = mesh.coordinator.runJob(JobLoader.parse(job, "job.yaml"), job, rec);
            String model = report.path("model_id").asText();
            JsonNode prov = report.path("provenance");
            assertTrue(prov.path("scaling").isObject(), prov.toString());

            // the global model over d1's rows, scaled by the run's federated mean and deviation
            List<String> lines = Files.readAllLines(dir.resolve("d1.csv"));
            int n = lines.size() - 1;
            String[] keys = new String[n];
            double[] x = new double[n * 4];
            double[] y = new double[n];
            for (int i = 0; i < n; i++) {
                String[] f = lines.get(i + 1).split(",");
                keys[i] = f[0];
                for (int j = 0; j < 4; j++) x[i * 4 + j] = Double.parseDouble(f[1 + j]);
                y[i] = Double.parseDouble(f[5]);
            }
            Dataset rows = new Standardizer(doubles(prov.path("scaling").path("mean")), doubles(prov.path("scaling").path("std")))
                    .apply(new Dataset(List.of("f0", "f1", "f2", "f3"), x, null, keys, n));
            double[] expected = new double[n];
            Models.create(new ModelSpec(ModelSpec.Type.MLP, List.of(6), 2, 0), 4).predict(mesh.catalog.model(model).orElseThrow().parameters(), rows, expected);

            ServingClient.Link link = c -> mesh.coordinator.serve(c, null);
            List<String> products = List.of("d1.loans");
            try (ServingClient client = ServingClient.open(link, model, products, mesh.coordinator.servingTicket(model, products), Missing.REFUSE,
                    ServingClient.Keys.NONE)) {
                assertEquals(List.of("d1"), client.parties());
                String[] ask = Arrays.copyOf(keys, n + 1);
                ask[n] = "d0-1";
                ServingClient.Answer a = client.score(ask);
                List<double[]> scored = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    assertEquals(expected[i], a.predictions()[i], 1e-12, keys[i]);
                    assertTrue(a.known().get("d1")[i]);
                    scored.add(new double[]{a.predictions()[i], y[i]});
                }
                assertFalse(a.known().get("d1")[n], "d0's customer is not d1's");
                assertTrue(Double.isNaN(a.predictions()[n]));
                assertTrue(auc(scored) > 0.7, "the served model tells the classes apart: " + auc(scored));
            }
            MeshflException other = assertThrows(MeshflException.class, () -> ServingClient.open(link, model, List.of("d2.loans"),
                    mesh.coordinator.servingTicket(model, List.of("d2.loans")), Missing.REFUSE, ServingClient.Keys.NONE));
            assertEquals(ErrorCode.PLAN_REFUSED, other.code());
            assertTrue(other.getMessage().contains("'d2' did not"), other.getMessage());
            MeshflException two = assertThrows(MeshflException.class, () -> ServingClient.open(link, model, List.of("d0.loans", "d1.loans"),
                    mesh.coordinator.servingTicket(model, List.of("d0.loans", "d1.loans")), Missing.REFUSE, ServingClient.Keys.NONE));
            assertTrue(two.getMessage().contains("2 products were given"), two.getMessage());
        }
    }

    private static double[] doubles(JsonNode a) {
        double[] d = new double[a.size()];
        for (int i = 0; i < d.length; i++) d[i] = a.get(i).asDouble();
        return d;
    }

    /** The probability that a positive outscores a negative. */
    private static double auc(List<double[]> scored) {
        long pairs = 0;
        double wins = 0;
        for (double[] p : scored) {
            if (p[1] != 1) continue;
            for (double[] q : scored) {
                if (q[1] != 0) continue;
                pairs++;
                wins += p[0] > q[0] ? 1 : p[0] == q[0] ? 0.5 : 0;
            }
        }
        return wins / pairs;
    }
}
