package io.meshfl.cli;

import io.grpc.StatusRuntimeException;
import io.meshfl.core.catalog.Catalog;
import io.meshfl.core.catalog.RoundRecord;
import io.meshfl.core.catalog.RunRecord;
import io.meshfl.core.report.RunReport;
import io.meshfl.proto.DescribeRequest;
import io.meshfl.proto.NodeServiceGrpc;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Certificates revoked while a mesh of separate processes is working: a vertical run whose host
 * is revoked mid-run fails and stores no model, and its other parties drop what they held; a
 * horizontal run goes on without a revoked node and says so round by round; a revoked
 * coordinator is refused by the nodes on its next call.
 */
@Tag("adversarial")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RevocationTest {

    private static final String[] LENDING = {"lending-north", "lending-south", "lending-online"};

    @TempDir
    static Path tmp;

    private ProcessMesh mesh;
    private Path certs;
    private Path data;
    private Path catalog;
    private String coordinator;
    private String verticalRun;
    private String horizontalRun;

    @BeforeAll
    void startMesh() throws Exception {
        certs = tmp.resolve("certs");
        assertEquals(0, Main.execute("certs", "init", "--dir", certs.toString(), "--domains", String.join(",", LENDING) + ",bank,shop"));
        data = tmp.resolve("data");
        DemoData.write(data, 9);
        Files.writeString(data.resolve("job.yaml"), Files.readString(data.resolve("job.yaml")).replace("rounds: 15", "rounds: 40"));
        writeVertical(data, 1500);
        mesh = new ProcessMesh(tmp.resolve("logs"));
        catalog = tmp.resolve("coordinator").resolve("catalog");
        coordinator = mesh.coordinator(certs, catalog);
        List<String> domains = List.of("lending-north", "lending-south", "lending-online", "bank", "shop");
        for (String d : domains) mesh.node(d, data, coordinator, certs, tmp.resolve("nodes").resolve(d));
        mesh.awaitNodes(domains.toArray(new String[0]));
    }

    @AfterAll
    void stopMesh() {
        mesh.close();
    }

    /** Two domains holding different columns of the same customers: the bank has the label. */
    private static void writeVertical(Path dir, int rows) throws Exception {
        Random r = new Random(3);
        StringBuilder bank = new StringBuilder("cid,target,b0,b1,b2\n");
        StringBuilder shop = new StringBuilder("cid,s0,s1,s2,s3\n");
        for (int i = 0; i < rows; i++) {
            double[] x = new double[7];
            double z = 0;
            for (int j = 0; j < 7; j++) {
                x[j] = r.nextGaussian();
                z += (j % 2 == 0 ? 0.8 : -0.6) * x[j];
            }
            int y = r.nextDouble() < 1 / (1 + Math.exp(-z)) ? 1 : 0;
            bank.append(String.format(Locale.ROOT, "C%d,%d,%.5f,%.5f,%.5f%n", i, y, x[0], x[1], x[2]));
            shop.append(String.format(Locale.ROOT, "C%d,%.5f,%.5f,%.5f,%.5f%n", i, x[3], x[4], x[5], x[6]));
        }
        Files.writeString(dir.resolve("bank.csv"), bank);
        Files.writeString(dir.resolve("shop.csv"), shop);
        for (String d : List.of("bank", "shop")) {
            String cols = d.equals("bank") ? "      - {name: target, logicalType: integer}\n      - {name: b0, logicalType: number}\n"
                    + "      - {name: b1, logicalType: number}\n      - {name: b2, logicalType: number}\n"
                    : "      - {name: s0, logicalType: number}\n      - {name: s1, logicalType: number}\n      - {name: s2, logicalType: number}\n"
                    + "      - {name: s3, logicalType: number}\n";
            Files.writeString(dir.resolve(d + ".customers.yaml"), io.meshfl.core.testing.CustomerContracts.yaml(d,
                    io.meshfl.core.testing.CustomerContracts.PII_KEY + cols, (d.equals("bank") ? "  label: target\n" : "")
                    + "  consumers: [{identity: 'client:operator', may: [train], protocols: [vertical]}]\n"));
        }
        Files.writeString(dir.resolve("job-vertical.yaml"), """
                name: vertical-churn
                products: [bank.customers, shop.customers]
                label: target
                model: {type: logistic}
                strategy: vertical
                vertical: {epochs: 40, batchSize: 300, lr: 0.2, keyBits: 1024}
                seed: 4
                """);
    }

    private void revokeWhenRoundIsReached(String client, int round, String certificate) throws Exception {
        mesh.await(client, Pattern.compile("round\\s+" + round + "/"), 180_000);
        assertEquals(0, Main.execute("certs", "revoke", "--dir", certs.toString(), "--name", certificate));
    }

    @Test
    @Order(1)
    void aVerticalRunWhoseHostIsRevokedFailsStoresNoModelAndItsPartiesDropTheirParts() throws Exception {
        Path report = tmp.resolve("vertical.json");
        Process client = mesh.start("vertical-client", "run", "--job", data.resolve("job-vertical.yaml").toString(), "--coordinator", coordinator,
                "--tls-dir", certs.toString(), "--report", report.toString());
        revokeWhenRoundIsReached("vertical-client", 3, "shop");
        assertTrue(client.waitFor(3, TimeUnit.MINUTES), "the run did not end after the revocation");
        String out = mesh.text("vertical-client");
        assertNotEquals(0, client.exitValue(), out);
        assertTrue(out.contains("shop") && out.contains("revoked"), out);
        verticalRun = mesh.await("bank", Pattern.compile("run (\\S+) ended FAILED: its state and model parts on this node are discarded"), 30_000);
        // the revoked node's next heartbeat is refused by identity, and logged
        mesh.await("coordinator", Pattern.compile("refused Heartbeat from .*certificate of domain 'shop' .* is revoked"), 15_000);
    }

    @Test
    @Order(2)
    void aHorizontalRunGoesOnWithoutARevokedNodeAndRecordsItEveryRound() throws Exception {
        Path report = tmp.resolve("horizontal.json");
        Process client = mesh.start("horizontal-client", "run", "--job", data.resolve("job.yaml").toString(), "--coordinator", coordinator,
                "--tls-dir", certs.toString(), "--report", report.toString());
        revokeWhenRoundIsReached("horizontal-client", 3, "lending-online");
        assertTrue(client.waitFor(3, TimeUnit.MINUTES), "the run did not end");
        assertEquals(0, client.exitValue(), mesh.text("horizontal-client"));
        horizontalRun = RunReport.JSON.readTree(report.toFile()).path("run_id").asText();
    }

    @Test
    @Order(3)
    void aRevokedCoordinatorIsRefusedByTheNodes() throws Exception {
        String north = "127.0.0.1:" + mesh.await("lending-north", Pattern.compile("serving \\d+ product\\(s\\) on 127\\.0\\.0\\.1:(\\d+)"), 5_000);
        assertEquals(0, Main.execute("certs", "revoke", "--dir", certs.toString(), "--name", "coordinator"));
        Thread.sleep(1200); // nodes re-read crl.pem at most once a second
        var ch = io.grpc.Grpc.newChannelBuilder(north, io.grpc.TlsChannelCredentials.newBuilder()
                .keyManager(certs.resolve("coordinator.pem").toFile(), certs.resolve("coordinator-key.pem").toFile())
                .trustManager(io.grpc.netty.shaded.io.netty.handler.ssl.util.InsecureTrustManagerFactory.INSTANCE.getTrustManagers()).build()).build();
        try {
            var e = assertThrows(StatusRuntimeException.class, () -> NodeServiceGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS)
                    .describe(DescribeRequest.getDefaultInstance()));
            assertEquals(io.grpc.Status.Code.PERMISSION_DENIED, e.getStatus().getCode());
            assertTrue(e.getStatus().getDescription().contains("coordinator") && e.getStatus().getDescription().contains("revoked"),
                    e.getStatus().getDescription());
        } finally {
            ch.shutdownNow();
        }
        mesh.await("lending-north", Pattern.compile("refused Describe from .*certificate of the coordinator .* is revoked"), 10_000);
        // and the node stops talking to it: its heartbeats are no longer sent to a revoked coordinator
        mesh.await("lending-north", Pattern.compile("certificate of the coordinator .* has been revoked by the mesh CA; refusing to call Heartbeat"), 15_000);
    }

    @Test
    @Order(4)
    void theCatalogRecordsBothRunsAsTheyEnded() throws Exception {
        mesh.stop("coordinator");
        try (Catalog c = Catalog.open(catalog)) {
            RunRecord vertical = c.run(verticalRun).orElseThrow();
            assertEquals(RunRecord.FAILED, vertical.status());
            assertTrue(vertical.error().contains("revoked"), vertical.error());
            assertTrue(c.modelsForRun(verticalRun).isEmpty(), "no model of a failed run is stored");
            RunRecord horizontal = c.run(horizontalRun).orElseThrow();
            assertEquals(RunRecord.SUCCEEDED, horizontal.status());
            List<RoundRecord> rounds = c.rounds(horizontalRun);
            assertEquals(40, rounds.size());
            assertEquals(0, rounds.get(0).nodesFailed());
            RoundRecord last = rounds.get(rounds.size() - 1);
            assertEquals(2, last.nodesOk());
            assertTrue(last.failuresJson() != null && last.failuresJson().contains("lending-online"), String.valueOf(last.failuresJson()));
            int first = -1;
            for (int i = 0; i < rounds.size(); i++) {
                boolean named = rounds.get(i).failuresJson() != null && rounds.get(i).failuresJson().contains("lending-online");
                if (named && first < 0) first = i;
                if (first >= 0) {
                    assertTrue(named, "round " + (i + 1) + " after the revocation does not name the dropped node");
                    assertEquals(2, rounds.get(i).nodesOk(), "round " + (i + 1));
                }
            }
            assertTrue(first > 0, "the node took part before its revocation and was named in every round after it");
        }
    }
}
