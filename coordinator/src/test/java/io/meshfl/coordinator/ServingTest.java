package io.meshfl.coordinator;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.catalog.RunRecord;
import io.meshfl.core.plan.JobLoader;
import io.meshfl.core.protocol.scoring.Missing;
import io.meshfl.proto.ServeCall;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Online serving of a three-domain vertical model: the parties' warm indexes answer blinded keys
 * without another alignment, and the requester's predictions equal batch scoring's, key by key,
 * including the 8% of customers one party does not know; a session is its opener's alone.
 */
class ServingTest {

    @TempDir
    Path dir;

    @Test
    void servedScoresEqualBatchScoringKeyByKeyAndTheSessionIsItsOpenersAlone() throws Exception {
        EveryRowScoringTest data = new EveryRowScoringTest();
        data.dir = dir;
        try (TestMesh mesh = TestMesh.byDomain(data.write(11, null), 200)) {
            HorizontalJobTest.Recorder rec = new HorizontalJobTest.Recorder();
            ObjectNode report = mesh.coordinator.runJob(JobLoader.parse(EveryRowScoringTest.JOB, "job.yaml"), EveryRowScoringTest.JOB, rec);
            String model = report.path("model_id").asText();
            List<String> products = EveryRowScoringTest.PRODUCTS;
            Map<String, Map<String, String>> batch = EveryRowScoringTest.rows(mesh.coordinator.predict(model, products, null,
                    new PredictOptions("impute-mean", null, null), rec));

            ServingClient.Link link = c -> mesh.coordinator.serve(c, null);
            String session;
            try (ServingClient client = ServingClient.open(link, model, products, mesh.coordinator.servingTicket(model, products), Missing.IMPUTE_MEAN,
                    ServingClient.Keys.NONE)) {
                session = client.session();
                assertEquals(List.of("bank", "shop", "telco"), client.parties());
                assertEquals("every-row", client.model());
                String[] keys = batch.keySet().toArray(new String[0]);
                for (int from = 0; from < keys.length; from += 100) {
                    String[] part = Arrays.copyOfRange(keys, from, Math.min(keys.length, from + 100));
                    ServingClient.Answer a = client.score(part);
                    for (int i = 0; i < part.length; i++) {
                        double expected = Double.parseDouble(batch.get(part[i]).get("prediction"));
                        assertEquals(expected, a.predictions()[i], Math.abs(expected) * 6e-6, part[i] + " (the batch file keeps 6 significant digits)");
                        boolean unknown = EveryRowScoringTest.unknownToShop(Integer.parseInt(part[i].substring(1)));
                        assertEquals(!unknown, a.known().get("shop")[i], part[i]);
                        assertTrue(a.known().get("bank")[i] && a.known().get("telco")[i]);
                    }
                }
                // a key nobody knows: every part at its means, which is the guest's intercept alone
                ServingClient.Answer none = client.score(new String[]{"C-nobody"});
                assertFalse(none.known().get("bank")[0] || none.known().get("shop")[0] || none.known().get("telco")[0]);
                assertTrue(none.predictions()[0] > 0 && none.predictions()[0] < 1);

                // the session is its opener's: another identity is told it does not exist, as for a made-up one
                ServeCall steal = ServeCall.newBuilder().setStep("score").setSession(session).setCall("x")
                        .putBlobs("keys", com.google.protobuf.ByteString.copyFrom(new byte[16])).build();
                MeshflException e = assertThrows(MeshflException.class, () -> mesh.coordinator.serve(steal, "domain:shop"));
                assertEquals(ErrorCode.CATALOG_NOT_FOUND, e.code());
            }
            MeshflException closed = assertThrows(MeshflException.class, () -> mesh.coordinator.serve(ServeCall.newBuilder().setStep("score")
                    .setSession(session).setCall("y").build(), null));
            assertEquals(ErrorCode.CATALOG_NOT_FOUND, closed.code());
            RunRecord run = mesh.catalog.run(session).orElseThrow();
            assertEquals(RunRecord.SUCCEEDED, run.status());
            assertTrue(run.metricsJson().contains("\"keys_scored\":501.0"), run.metricsJson());

            // refused keys stay unscored; a ticket signed for another spec opens nothing
            try (ServingClient strict = ServingClient.open(link, model, products, mesh.coordinator.servingTicket(model, products), Missing.REFUSE,
                    ServingClient.Keys.NONE)) {
                ServingClient.Answer a = strict.score(new String[]{"C3", "C4"});
                assertTrue(Double.isNaN(a.predictions()[0]), "C3 is unknown to shop");
                assertEquals(Double.parseDouble(batch.get("C4").get("prediction")), a.predictions()[1], 1e-5);
            }
            MeshflException forged = assertThrows(MeshflException.class, () -> ServingClient.open(link, model, products,
                    mesh.coordinator.servingTicket(model, List.of("bank.customers", "shop.customers")), Missing.REFUSE,
                    ServingClient.Keys.NONE));
            assertEquals(ErrorCode.POLICY_VIOLATION, forged.code(), forged.getMessage());
        }
    }

    /**
     * A party's node that lost its index (a restart) ends the session: the next call opens a fresh
     * one under a fresh ticket and is answered; a newer product version the node does not serve yet
     * keeps the old session answering, saying why.
     */
    @Test
    void aSessionALostIndexEndsIsRenewedAndANewerVersionNobodyServesKeepsTheOld() throws Exception {
        EveryRowScoringTest data = new EveryRowScoringTest();
        data.dir = dir;
        try (TestMesh mesh = TestMesh.byDomain(data.write(12, null), 200)) {
            HorizontalJobTest.Recorder rec = new HorizontalJobTest.Recorder();
            String model = mesh.coordinator.runJob(JobLoader.parse(EveryRowScoringTest.JOB, "job.yaml"), EveryRowScoringTest.JOB, rec)
                    .path("model_id").asText();
            List<String> products = EveryRowScoringTest.PRODUCTS;
            ServingClient.Link link = c -> mesh.coordinator.serve(c, null);
            java.util.function.Supplier<List<io.meshfl.core.trust.JobTicket.ProductVersion>> versions = () -> products.stream()
                    .map(p -> new io.meshfl.core.trust.JobTicket.ProductVersion(p, mesh.catalog.requireProduct(p).version())).toList();
            List<String> log = new java.util.concurrent.CopyOnWriteArrayList<>();
            try (RenewingServing serving = new RenewingServing(() -> ServingClient.open(link, model, products,
                    mesh.coordinator.servingTicket(model, products), Missing.IMPUTE_MEAN, ServingClient.Keys.NONE), versions,
                    java.time.Duration.ZERO, log::add)) {
                double before = serving.score(new String[]{"C5"}).predictions()[0];
                String first = serving.current().session();
                // shop's node forgets the session, as a restarted node would
                var shop = mesh.nodes.stream().filter(n -> n.domain().equals("shop")).findFirst().orElseThrow();
                var dropped = shop.handle(io.meshfl.core.protocol.Message.request(first, first, io.meshfl.core.serving.ServeSteps.PROTOCOL,
                        io.meshfl.core.serving.ServeSteps.CLOSE, 0, "shop"));
                assertFalse(dropped.failed(), String.valueOf(dropped.error()));
                assertEquals(before, serving.score(new String[]{"C5"}).predictions()[0], 1e-12, "answered by a fresh session");
                assertTrue(!serving.current().session().equals(first), "a new session");
                assertEquals(RunRecord.SUCCEEDED, mesh.catalog.run(first).orElseThrow().status(), "the old session's run ended");
                assertTrue(log.stream().anyMatch(l -> l.contains("replaces " + first)), log.toString());

                // telco publishes 1.1.0 in the catalog, but its node still serves 1.0.0: no session opens over it, the current one answers
                String yaml = mesh.catalog.requireProduct("telco.customers").contractYaml().replace("version: 1.0.0", "version: 1.1.0");
                mesh.catalog.registerProduct("telco.customers", "telco", "1.1.0", yaml, 500);
                String second = serving.current().session();
                serving.check();
                assertEquals(second, serving.current().session());
                assertTrue(serving.status().contains("kept") && serving.status().contains("1.1.0"), serving.status());
                assertEquals(before, serving.score(new String[]{"C5"}).predictions()[0], 1e-12);
            }
        }
    }
}
