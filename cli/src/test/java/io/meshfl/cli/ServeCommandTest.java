package io.meshfl.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshfl.coordinator.PredictOptions;
import io.meshfl.core.catalog.Catalog;
import io.meshfl.core.catalog.RunRecord;
import io.meshfl.core.contract.ContractLoader;
import io.meshfl.core.plan.JobLoader;
import io.meshfl.core.report.RunReport;
import io.meshfl.core.trust.MeshIdentity;
import io.meshfl.wire.tls.MeshTls;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code meshfl serve} over a mesh with mutual TLS: the bank serves a three-domain vertical model
 * from its own process; an allowed client's {@code POST /score} gets the scores batch scoring gives,
 * with which domains knew each key; another domain's certificate, a caller without one and a
 * malformed body are refused, and closing ends the session's run.
 */
class ServeCommandTest {

    @TempDir
    Path tmp;

    /** bank (label, 2 columns), shop (1 column, misses every 10th customer), telco (1 column). */
    private Path write(int customers) throws Exception {
        Path d = tmp.resolve("data");
        Files.createDirectories(d);
        Random r = new Random(4);
        String[] domains = {"bank", "shop", "telco"};
        StringBuilder[] csv = {new StringBuilder("cid,target,a0,a1\n"), new StringBuilder("cid,b0\n"), new StringBuilder("cid,c0\n")};
        for (int i = 0; i < customers; i++) {
            double[] x = {r.nextGaussian(), r.nextGaussian(), r.nextGaussian(), r.nextGaussian()};
            int y = r.nextDouble() < 1 / (1 + Math.exp(-(1.5 * x[0] - x[1] + x[2] - 0.5 * x[3]))) ? 1 : 0;
            csv[0].append(String.format(Locale.ROOT, "C%d,%d,%.6f,%.6f%n", i, y, x[0], x[1]));
            if (i % 10 != 7) csv[1].append(String.format(Locale.ROOT, "C%d,%.6f%n", i, x[2]));
            csv[2].append(String.format(Locale.ROOT, "C%d,%.6f%n", i, x[3]));
        }
        String[] props = {"      - {name: target, logicalType: integer}\n      - {name: a0, logicalType: number}\n      - {name: a1, logicalType: number}\n",
                "      - {name: b0, logicalType: number}\n", "      - {name: c0, logicalType: number}\n"};
        for (int k = 0; k < 3; k++) {
            Files.writeString(d.resolve(domains[k] + ".csv"), csv[k]);
            Files.writeString(d.resolve(domains[k] + ".yaml"), io.meshfl.core.testing.CustomerContracts.yaml(domains[k],
                    io.meshfl.core.testing.CustomerContracts.PII_KEY + props[k],
                    "  consumers: [{identity: 'client:operator'}, {identity: 'domain:bank', may: [predict]}]\n" + (k == 0 ? "  label: target\n" : "")));
        }
        return d;
    }

    private static final List<String> PRODUCTS = List.of("bank.customers", "shop.customers", "telco.customers");

    @Test
    void theBankServesItsVerticalModelOverHttpsToTheIdentitiesItAllows() throws Exception {
        Path certs = tmp.resolve("certs");
        assertEquals(0, Main.execute("certs", "init", "--dir", certs.toString(), "--domains", "bank,shop,telco", "--days", "1"));
        Path data = write(300);
        String job = """
                name: served
                products: [bank.customers, shop.customers, telco.customers]
                label: target
                model: {type: logistic}
                vertical: {epochs: 3, batchSize: 128, lr: 0.3, keyBits: 1024, tol: 0}
                seed: 3
                """;
        try (Catalog cat = Catalog.inMemory("serve-" + System.nanoTime());
             EmbeddedMesh mesh = new EmbeddedMesh(cat, ContractLoader.loadDirectory(data), s -> { }, null, certs)) {
            PrintStream quiet = new PrintStream(java.io.OutputStream.nullOutputStream());
            String model = mesh.coordinator().runJob(JobLoader.parse(job, "job.yaml"), job, new Progress(quiet, false)).path("model_id").asText();
            ObjectNode batch = mesh.coordinator().predict(model, PRODUCTS, null, new PredictOptions("impute-mean", null, null), new Progress(quiet, false));
            Map<String, Double> expected = new HashMap<>();
            List<String> lines = Files.readAllLines(Path.of(batch.path("predictions").asText()));
            for (String l : lines.subList(1, lines.size())) expected.put(l.split(",")[0], Double.parseDouble(l.split(",")[1]));

            ServeCommand cmd = new ServeCommand();
            new CommandLine(cmd).parseArgs("--model", "served@1", "--products", String.join(",", PRODUCTS), "--coordinator",
                    "127.0.0.1:" + mesh.coordinator().port(), "--tls-dir", certs.toString(), "--tls-identity", "domain:bank", "--port", "0",
                    "--allow", "client:operator", "--missing", "impute-mean");
            String session;
            try (ServeCommand.Served served = cmd.start()) {
                session = served.client().current().session();
                URI score = URI.create("https://127.0.0.1:" + served.endpoint().port() + "/score");
                HttpClient operator = client(certs, MeshIdentity.Role.CLIENT, "operator");
                HttpResponse<String> ok = post(operator, score, "{\"keys\": [\"C1\", \"C7\", \"C-unknown\"]}");
                assertEquals(200, ok.statusCode(), ok.body());
                JsonNode body = RunReport.JSON.readTree(ok.body());
                assertEquals("served", body.path("model").asText());
                JsonNode c1 = body.path("scores").get(0), c7 = body.path("scores").get(1), unknown = body.path("scores").get(2);
                assertEquals(expected.get("C1"), c1.path("prediction").asDouble(), expected.get("C1") * 6e-6);
                assertEquals(expected.get("C7"), c7.path("prediction").asDouble(), expected.get("C7") * 6e-6, "C7 is unknown to shop: imputed alike");
                assertTrue(c1.path("parts").path("shop").asBoolean() && !c7.path("parts").path("shop").asBoolean(), body.toString());
                assertTrue(!unknown.path("parts").path("bank").asBoolean() && unknown.path("prediction").isNumber(), body.toString());

                // the bank's domain certificate is not among those allowed here; shop's neither
                assertEquals(403, post(client(certs, MeshIdentity.Role.DOMAIN, "shop"), score, "{\"keys\": [\"C1\"]}").statusCode());
                // a malformed body names the field
                HttpResponse<String> bad = post(operator, score, "{\"keys\": \"C1\"}");
                assertEquals(400, bad.statusCode());
                assertTrue(bad.body().contains("keys"), bad.body());
                // no client certificate: no TLS session at all
                javax.net.ssl.SSLContext trustOnly = javax.net.ssl.SSLContext.getInstance("TLS");
                var tmf = javax.net.ssl.TrustManagerFactory.getInstance(javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
                var ks = java.security.KeyStore.getInstance("PKCS12");
                ks.load(null, null);
                ks.setCertificateEntry("ca", io.meshfl.core.trust.Pem.certificate(certs.resolve("ca.pem")));
                tmf.init(ks);
                trustOnly.init(null, tmf.getTrustManagers(), null);
                HttpClient anonymous = HttpClient.newBuilder().sslContext(trustOnly).build();
                assertThrows(java.io.IOException.class, () -> post(anonymous, score, "{\"keys\": [\"C1\"]}"));
            }
            RunRecord run = cat.run(session).orElseThrow();
            assertEquals(RunRecord.SUCCEEDED, run.status());
            assertTrue(run.metricsJson().contains("\"keys_scored\":3.0"), run.metricsJson());
        }
    }

    /**
     * A compromised coordinator swapping sealing keys: a party's key it signed itself is refused by the
     * requester, and a requester key it put in the requester's place is refused by every node; the
     * session never scores. A ticket of another identity than the connection's opens nothing.
     */
    @Test
    void aCoordinatorThatSwapsTheSessionsSealingKeysIsRefusedOnBothSides() throws Exception {
        Path certs = tmp.resolve("certs");
        assertEquals(0, Main.execute("certs", "init", "--dir", certs.toString(), "--domains", "bank,shop,telco", "--days", "1"));
        Path data = write(120);
        String job = "name: swapped\nproducts: [bank.customers, shop.customers, telco.customers]\nlabel: target\nmodel: {type: logistic}\n"
                + "vertical: {epochs: 1, batchSize: 64, lr: 0.3, keyBits: 1024, tol: 0}\nseed: 3\n";
        try (Catalog cat = Catalog.inMemory("swap-" + System.nanoTime());
             EmbeddedMesh mesh = new EmbeddedMesh(cat, ContractLoader.loadDirectory(data), s -> { }, null, certs)) {
            PrintStream quiet = new PrintStream(java.io.OutputStream.nullOutputStream());
            String model = mesh.coordinator().runJob(JobLoader.parse(job, "job.yaml"), job, new Progress(quiet, false)).path("model_id").asText();
            MeshTls bank = MeshTls.load(certs, MeshIdentity.Role.DOMAIN, "bank");
            io.grpc.ManagedChannel ch = bank.dial("127.0.0.1:" + mesh.coordinator().port(), io.meshfl.wire.tls.PeerPolicy.coordinator());
            try {
                var stub = io.meshfl.proto.CoordinatorServiceGrpc.newBlockingStub(ch);
                io.meshfl.core.trust.Signer bankKey = io.meshfl.core.trust.Signer.load(certs.resolve("bank.pem"), certs.resolve("bank-key.pem"));
                io.meshfl.core.trust.Signer coordinatorKey = io.meshfl.core.trust.Signer.load(certs.resolve("coordinator.pem"),
                        certs.resolve("coordinator-key.pem"));
                var keys = new io.meshfl.coordinator.ServingClient.Keys(bankKey, bank.ca(), bank.revocations());
                java.util.function.Supplier<io.meshfl.core.trust.SignedTicket> ticket = () -> {
                    var plan = stub.planPredict(io.meshfl.proto.PredictRequest.newBuilder().setModelId(model).addAllProducts(PRODUCTS).build());
                    return io.meshfl.core.trust.Submitter.of(bankKey).sign(io.meshfl.coordinator.Tickets.draft("domain:bank",
                            io.meshfl.core.trust.JobTicket.PREDICT, "serve-" + model, plan.getStrategy(),
                            io.meshfl.coordinator.ServingClient.spec(model, PRODUCTS), plan.getProductsList().stream()
                                    .map(p -> new io.meshfl.core.trust.JobTicket.ProductVersion(p.getId(), p.getVersion())).toList(), model));
                };
                io.meshfl.coordinator.ServingClient.Link honest = c -> {
                    try {
                        return stub.serve(c);
                    } catch (io.grpc.StatusRuntimeException e) {
                        throw new io.meshfl.core.MeshflException(io.meshfl.core.ErrorCode.COORDINATOR_FAILURE, String.valueOf(e.getStatus().getDescription()));
                    }
                };
                byte[] own = io.meshfl.core.crypto.seal.SealedBox.generate().publicKey();
                // shop's key replaced by one the coordinator signed: the requester refuses it before sealing anything to it
                io.meshfl.coordinator.ServingClient.Link swapsShop = c -> {
                    var r = honest.call(c);
                    if (!c.getStep().equals("open")) return r;
                    return r.toBuilder().putBlobs("shop", com.google.protobuf.ByteString.copyFrom(
                            io.meshfl.core.trust.SealKeys.attest(coordinatorKey, r.getSession(), own))).build();
                };
                var e1 = assertThrows(io.meshfl.core.MeshflException.class, () -> io.meshfl.coordinator.ServingClient.open(swapsShop, model, PRODUCTS,
                        ticket.get(), io.meshfl.core.protocol.scoring.Missing.REFUSE, keys));
                assertTrue(e1.getMessage().contains("not by domain:shop"), e1.getMessage());
                // the requester's key replaced on its way to the nodes: each node refuses it, no party indexes its rows
                io.meshfl.coordinator.ServingClient.Link swapsRequester = c -> honest.call(!c.getStep().equals("keys") ? c : c.toBuilder()
                        .setRequesterPk(com.google.protobuf.ByteString.copyFrom(io.meshfl.core.trust.SealKeys.attest(coordinatorKey, c.getSession(), own)))
                        .build());
                var e2 = assertThrows(io.meshfl.core.MeshflException.class, () -> io.meshfl.coordinator.ServingClient.open(swapsRequester, model,
                        PRODUCTS, ticket.get(), io.meshfl.core.protocol.scoring.Missing.REFUSE, keys));
                assertTrue(e2.getMessage().contains("not by domain:bank"), e2.getMessage());
                // neither half-set-up session is left open: their parties dropped what they warmed
                assertEquals(List.of(), cat.runningRuns(), "no serving session still running");
                assertEquals(2, cat.runs().stream().filter(r -> r.strategy().equals("vertical-serving")).count());
                // a ticket the operator signed, presented over the bank's connection: refused at the door
                var opKey = io.meshfl.core.trust.Signer.load(certs.resolve("client-operator.pem"), certs.resolve("client-operator-key.pem"));
                var plan = stub.planPredict(io.meshfl.proto.PredictRequest.newBuilder().setModelId(model).addAllProducts(PRODUCTS).build());
                var foreign = io.meshfl.core.trust.Submitter.of(opKey).sign(io.meshfl.coordinator.Tickets.draft("client:operator",
                        io.meshfl.core.trust.JobTicket.PREDICT, "serve-" + model, plan.getStrategy(), io.meshfl.coordinator.ServingClient.spec(model, PRODUCTS),
                        plan.getProductsList().stream().map(p -> new io.meshfl.core.trust.JobTicket.ProductVersion(p.getId(), p.getVersion())).toList(), model));
                var e3 = assertThrows(io.meshfl.core.MeshflException.class, () -> io.meshfl.coordinator.ServingClient.open(honest, model, PRODUCTS,
                        foreign, io.meshfl.core.protocol.scoring.Missing.REFUSE, keys));
                assertTrue(e3.getMessage().contains("POLICY_VIOLATION"), e3.getMessage());
            } finally {
                ch.shutdownNow();
            }
        }
    }

    private static HttpClient client(Path certs, MeshIdentity.Role role, String name) {
        return HttpClient.newBuilder().sslContext(MeshTls.load(certs, role, name).httpsContext()).build();
    }

    private static HttpResponse<String> post(HttpClient c, URI uri, String body) throws Exception {
        return c.send(HttpRequest.newBuilder(uri).POST(HttpRequest.BodyPublishers.ofString(body)).header("Content-Type", "application/json").build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
