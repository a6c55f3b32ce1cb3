package io.meshfl.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshfl.core.catalog.Catalog;
import io.meshfl.core.catalog.ModelCards;
import io.meshfl.core.catalog.ModelRegistry;
import io.meshfl.core.contract.ContractLoader;
import io.meshfl.core.plan.JobLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The model registry over a mesh with mutual TLS: a trained model is a candidate until the owner of
 * every product it learned from approves it with its domain's certificate; promotion before that is
 * refused naming the missing owners; an approval signed by another domain, or sent for another
 * domain's product, is refused; then the owner promotes it, its output contract is published, and a
 * later version's promotion retires it.
 */
class ModelsCommandTest {

    @TempDir
    Path tmp;

    @Test
    void aModelGoesToProductionOnlyWithEveryOwnersSignedApproval() throws Exception {
        Path certs = tmp.resolve("certs");
        List<String> domains = java.util.Arrays.stream(DemoData.UNITS).map(DemoData.Unit::domain).toList();
        assertEquals(0, Main.execute("certs", "init", "--dir", certs.toString(), "--domains", String.join(",", domains), "--days", "1"));
        Path data = tmp.resolve("data");
        DemoData.write(data, 7);
        String yaml = Files.readString(data.resolve("job.yaml")).replace("rounds: 15", "rounds: 2");
        try (Catalog cat = Catalog.inMemory("registry-" + System.nanoTime());
             EmbeddedMesh mesh = new EmbeddedMesh(cat, ContractLoader.loadDirectory(data), s -> { }, null, certs)) {
            PrintStream quiet = new PrintStream(java.io.OutputStream.nullOutputStream());
            String first = mesh.coordinator().runJob(JobLoader.parse(yaml, "job.yaml"), yaml, new Progress(quiet, false)).path("model_id").asText();
            String coordinator = "127.0.0.1:" + mesh.coordinator().port();
            ModelRegistry registry = new ModelRegistry(cat);
            assertEquals(ModelRegistry.Stage.CANDIDATE, registry.require(first).stage());

            Cli.Result list = Cli.run("models", "list", "--coordinator", coordinator, "--tls-dir", certs.toString());
            assertEquals(0, list.code(), list.output());
            assertTrue(list.output().contains(first) && list.output().contains("candidate"), list.output());

            // promotion before every owner approved: refused, naming each missing owner
            Cli.Result early = Cli.run("models", "promote", first, "--coordinator", coordinator, "--tls-dir", certs.toString());
            assertNotEquals(0, early.code());
            for (String d : domains) assertTrue(early.output().contains("missing") && early.output().contains(d), early.output());

            // an owner approving as itself for another domain's product: refused, nothing recorded
            String north = domains.get(0), south = domains.get(1);
            String southProduct = registry.inputs(first).stream().filter(i -> i.domain().equals(south)).findFirst().orElseThrow().productId();
            Cli.Result foreign = Cli.run("models", "approve", first, "--product", southProduct, "--coordinator", coordinator, "--tls-dir",
                    certs.toString(), "--tls-identity", "domain:" + north);
            assertNotEquals(0, foreign.code());
            assertTrue(foreign.output().contains("owned by domain " + south), foreign.output());
            assertTrue(registry.approvals(first).isEmpty());

            for (int k = 0; k < domains.size(); k++) {
                Cli.Result ok = Cli.run("models", "approve", first, "--coordinator", coordinator, "--tls-dir", certs.toString(), "--tls-identity",
                        "domain:" + domains.get(k));
                assertEquals(0, ok.code(), ok.output());
                assertEquals(k == domains.size() - 1 ? ModelRegistry.Stage.APPROVED : ModelRegistry.Stage.CANDIDATE, registry.require(first).stage());
            }
            // every approval names its owner, the exact product version and contract, and the certificate it was signed with
            List<ModelRegistry.Approval> approvals = registry.approvals(first);
            assertEquals(domains.size(), approvals.size());
            for (ModelRegistry.Approval a : approvals) {
                assertTrue(a.approver().startsWith("domain:") && a.certificateSha256().length() == 64 && a.contractSha256().length() == 64, a.toString());
            }

            Cli.Result promoted = Cli.run("models", "promote", first, "--coordinator", coordinator, "--tls-dir", certs.toString());
            assertEquals(0, promoted.code(), promoted.output());
            ObjectNode card = ModelCards.card(cat, first);
            assertEquals("production", card.path("stage").asText());
            assertEquals(domains.size(), card.path("approvals").size());
            assertTrue(card.path("output_contract").asText().contains("kind: \"DataContract\"")
                    && card.path("output_contract").asText().contains("entity_key"), card.path("output_contract").asText());
            assertTrue(card.path("metrics").path("held_out").has("auc"), card.path("metrics").toString());

            // a second version of the same job: approved and promoted, it retires the first
            String second = mesh.coordinator().runJob(JobLoader.parse(yaml, "job.yaml"), yaml, new Progress(quiet, false)).path("model_id").asText();
            assertEquals(2, registry.require(second).version());
            for (String d : domains) {
                assertEquals(0, Cli.run("models", "approve", second, "--coordinator", coordinator, "--tls-dir", certs.toString(), "--tls-identity",
                        "domain:" + d).code());
            }
            assertEquals(0, Cli.run("models", "promote", second, "--coordinator", coordinator, "--tls-dir", certs.toString()).code());
            assertEquals(ModelRegistry.Stage.RETIRED, registry.require(first).stage());
            assertEquals(ModelRegistry.Stage.PRODUCTION, registry.require(second).stage());
            assertTrue(registry.history(first).get(registry.history(first).size() - 1).reason().contains("replaced in production by version 2"));
            // an approval of the retired version is no longer taken
            Cli.Result late = Cli.run("models", "approve", first, "--coordinator", coordinator, "--tls-dir", certs.toString(), "--tls-identity",
                    "domain:" + north);
            assertNotEquals(0, late.code());
            assertEquals(domains.size(), registry.approvals(first).size(), "nothing more was recorded for the retired version");
        }
    }

    /** What an attacker with one owner's approval, or a revoked key, tries: each refused by the verifier, saying why. */
    @Test
    void anApprovalCarriedToAnotherModelOrSignedWithARevokedCertificateIsRefused() throws Exception {
        Path certs = tmp.resolve("certs");
        assertEquals(0, Main.execute("certs", "init", "--dir", certs.toString(), "--domains", "lending,payments", "--days", "1"));
        java.security.cert.X509Certificate ca = io.meshfl.core.trust.Pem.certificate(certs.resolve("ca.pem"));
        io.meshfl.core.trust.Signer lending = io.meshfl.core.trust.Signer.load(certs.resolve("lending.pem"), certs.resolve("lending-key.pem"));
        ModelRegistry.Input input = new ModelRegistry.Input("lending.accounts", "lending", "1.0.0", "ab".repeat(32));
        ModelRegistry.Entry one = new ModelRegistry.Entry("model-1", "credit", 1, "client:operator", ModelRegistry.Stage.CANDIDATE, null, null);
        ModelRegistry.Entry two = new ModelRegistry.Entry("model-2", "credit", 2, "client:operator", ModelRegistry.Stage.CANDIDATE, null, null);
        byte[] signed = lending.sign(ModelRegistry.statement(one, input));
        byte[] der = lending.certificate().getEncoded();
        io.meshfl.core.trust.ApprovalVerifier verifier = new io.meshfl.core.trust.ApprovalVerifier(ca, serial -> false);
        assertEquals("domain:lending", verifier.verify(ModelRegistry.statement(one, input), signed, der, "lending", java.time.Instant.now()).label());
        // the same signature offered for the next version of the model, or for another contract of the product
        String replay = assertThrows(() -> verifier.verify(ModelRegistry.statement(two, input), signed, der, "lending", java.time.Instant.now()));
        assertTrue(replay.contains("does not match the registry's statement"), replay);
        ModelRegistry.Input other = new ModelRegistry.Input("lending.accounts", "lending", "1.0.0", "cd".repeat(32));
        assertTrue(assertThrows(() -> verifier.verify(ModelRegistry.statement(one, other), signed, der, "lending", java.time.Instant.now()))
                .contains("does not match"));
        // a revoked certificate, and a certificate of another CA
        io.meshfl.core.trust.ApprovalVerifier revoking = new io.meshfl.core.trust.ApprovalVerifier(ca,
                serial -> serial.equals(lending.certificate().getSerialNumber()));
        assertTrue(assertThrows(() -> revoking.verify(ModelRegistry.statement(one, input), signed, der, "lending", java.time.Instant.now()))
                .contains("revoked"));
        Path otherCerts = tmp.resolve("other");
        assertEquals(0, Main.execute("certs", "init", "--dir", otherCerts.toString(), "--domains", "lending", "--days", "1"));
        io.meshfl.core.trust.Signer impostor = io.meshfl.core.trust.Signer.load(otherCerts.resolve("lending.pem"),
                otherCerts.resolve("lending-key.pem"));
        String foreignCa = assertThrows(() -> verifier.verify(ModelRegistry.statement(one, input), impostor.sign(ModelRegistry.statement(one, input)),
                impostor.certificate().getEncoded(), "lending", java.time.Instant.now()));
        assertTrue(foreignCa.startsWith("approval refused"), foreignCa);
    }

    private static String assertThrows(org.junit.jupiter.api.function.Executable e) {
        return org.junit.jupiter.api.Assertions.assertThrows(io.meshfl.core.MeshflException.class, e).getMessage();
    }
}
