package io.meshfl.node;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.contract.ContractLoader;
import io.meshfl.core.contract.DataContract;
import io.meshfl.core.protocol.Message;
import io.meshfl.core.protocol.session.SessionSteps;
import io.meshfl.core.trust.HashChain;
import io.meshfl.core.trust.JobTicket;
import io.meshfl.core.trust.Revocations;
import io.meshfl.core.trust.SignedTicket;
import io.meshfl.wire.tls.CertificateAuthority;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A compromised coordinator drives a granted training run with settings its submitter never
 * signed: another held-out share or seed, an out-of-time cut, a group with a node of its own. The
 * node checks each against the job spec the ticket was signed for, which comes beside the ticket.
 */
class SignedSettingsTest {

    @TempDir
    Path dir;
    CertificateAuthority ca;
    DataContract contract;

    private static final String SPEC = """
            name: signed
            products: [bank.customers, payments.history, payments-east.history]
            groups: {payments: [payments.history, payments-east.history]}
            label: y
            model: {type: logistic}
            vertical: {epochs: 2}
            evaluation: {outOfTime: {column: opened, after: 2024-06-30}}
            seed: 7
            """;

    @BeforeEach
    void mesh() throws Exception {
        ca = TrustedNodes.ca(dir, "payments");
        Files.writeString(dir.resolve("p.csv"), "id,a\n1,0.5\n2,0.1\n");
        Files.writeString(dir.resolve("p.yaml"), """
                apiVersion: v3.0.2
                kind: DataContract
                id: payments.history
                version: 1.0.0
                domain: payments
                dataProduct: history
                servers:
                  - {server: local, type: csv, path: p.csv}
                schema:
                  - name: history
                    properties:
                      - {name: id, logicalType: string, primaryKey: true}
                      - {name: a, logicalType: number}
                meshfl:
                  entityKey: id
                  consumers: [{identity: 'client:operator', may: [train], protocols: [vertical, secureboost, horizontal]}]
                """);
        contract = ContractLoader.load(dir.resolve("p.yaml"));
    }

    private DomainNode node() {
        return new DomainNode("payments", List.of(contract), s -> { }).trust(ca.certificate(),
                new Revocations(dir.resolve("certs").resolve(CertificateAuthority.CRL), ca.certificate()), TrustedNodes.signer(dir, "payments"));
    }

    /** The operator's ticket for {@code spec}, presented with {@code sent} beside it (null: none) on the run's first request. */
    private static Message opening(String spec, String sent, Message first, Path certs) {
        JobTicket t = new JobTicket(JobTicket.VERSION, "client:operator", JobTicket.TRAIN, "signed", first.protocol(), HashChain.sha256Hex(spec),
                JobTicket.freshNonce(), List.of(new JobTicket.ProductVersion("payments.history", "1.0.0")), null, System.currentTimeMillis());
        Map<String, byte[]> blobs = new LinkedHashMap<>(first.blobs());
        blobs.put(SessionSteps.TICKET, SignedTicket.sign(t, TrustedNodes.signer(certs.getParent(), "client-operator")).encode());
        if (sent != null) blobs.put(SessionSteps.SPEC, sent.getBytes(StandardCharsets.UTF_8));
        return first.withBlobs(blobs);
    }

    private static Message setup(String run, Map<String, String> cfg) {
        return Message.request("job", run, "vertical", "setup", 0, "payments").withConfig(cfg);
    }

    private static MeshflException outcome(DomainNode node, Message req) {
        return TrustedNodes.refusal(node, req);
    }

    @Test
    void settingsTheSubmitterDidNotSignAreRefusedBeforeAnyProtocolCodeRuns() {
        Path certs = dir.resolve("certs");
        DomainNode node = node();
        Map<String, String> honest = new LinkedHashMap<>(Map.of("product", "payments.history", "role", "host", "features", "a",
                "group", "payments", "group_members", "payments,payments-east", "seed", "7"));
        // the signed settings reach the protocol, which answers that no alignment has come yet
        MeshflException ok = outcome(node, opening(SPEC, SPEC, setup("run-1", honest), certs));
        assertEquals(ErrorCode.OUT_OF_ORDER, ok.code(), ok.getMessage());

        Map<String, String> alone = new LinkedHashMap<>(honest);
        alone.remove("group");
        alone.remove("group_members");
        assertRefused(outcome(node, setup("run-1", alone)), "asks for group (none) for payments.history, but the job its submitter signed says payments");
        Map<String, String> rogue = new LinkedHashMap<>(honest);
        rogue.put("group_members", "evil,payments");
        assertRefused(outcome(node, setup("run-1", rogue)), "group payments of members evil,payments");
        Map<String, String> held = new LinkedHashMap<>(honest);
        held.put("holdout", "0.5");
        assertRefused(outcome(node, setup("run-1", held)), "a held-out share of 0.5");
        Message cut = Message.request("job", "run-1", "psi", "keys", 0, "payments").withConfig(Map.of("product", "payments.history",
                "column", "", "distinct", "false", "slot", "", "period_column", "opened", "period_after", "2023-01-01", "period_late", "false"));
        assertRefused(outcome(node, cut), "an out-of-time cut on 'opened' after 2023-01-01");
    }

    @Test
    void aBoostedTreeMembersGroupIsCheckedAgainstTheSignedJobToo() {
        Path certs = dir.resolve("certs");
        DomainNode node = node();
        String spec = SPEC.replace("model: {type: logistic}", "model: {type: gbdt}").replace("vertical: {epochs: 2}\n", "");
        Map<String, String> honest = new LinkedHashMap<>(Map.of("product", "payments.history", "role", "host", "features", "a",
                "group", "payments", "group_members", "payments,payments-east", "bins", "16"));
        MeshflException ok = outcome(node, opening(spec, spec, boostSetup("run-4", honest), certs));
        assertEquals(ErrorCode.OUT_OF_ORDER, ok.code(), "the signed group reaches the protocol: " + ok.getMessage());
        Map<String, String> rogue = new LinkedHashMap<>(honest);
        rogue.put("group_members", "payments,evil");
        assertRefused(outcome(node, boostSetup("run-4", rogue)), "secureboost/setup asks for group payments of members payments,evil");
    }

    private static Message boostSetup(String run, Map<String, String> cfg) {
        return Message.request("job", run, "secureboost", "setup", 0, "payments").withConfig(cfg);
    }

    @Test
    void aModelOtherThanTheSignedOneIsRefusedAnotherTrainerOrOtherTensorsAbove() {
        Path certs = dir.resolve("certs");
        DomainNode node = node();
        String spec = """
                name: signed
                products: [payments.history]
                label: y
                model:
                  type: external
                  trainer: credit-mlp
                  parameters: [{name: w, shape: [1, 1]}, {name: b, shape: [1]}]
                seed: 7
                """;
        Map<String, String> honest = new LinkedHashMap<>(Map.of("product", "payments.history", "features", "a", "label", "y",
                "model_type", "EXTERNAL", "hidden", "", "trainer", "credit-mlp", "trainer_parameters", "",
                "holdout", Double.toString(io.meshfl.core.protocol.Holdout.horizontalShare(io.meshfl.core.plan.JobLoader.parse(spec, "job"))),
                "seed", "7"));
        honest.put("trainer_parameters", io.meshfl.core.model.TensorSpec.encode(io.meshfl.core.plan.JobLoader.parse(spec, "job").model().parameters()));
        // the signed model passes this check and reaches the protocol, which finds no trainer configured under that name
        MeshflException ok = outcome(node, opening(spec, spec, prepare("run-5", honest), certs));
        assertTrue(!ok.getMessage().contains("signed") && ok.getMessage().contains("declares label"), "the signed model reaches the protocol (which finds this product has no label): " + ok.getMessage());
        Map<String, String> other = new LinkedHashMap<>(honest);
        other.put("trainer", "exfiltrate");
        assertRefused(outcome(node, prepare("run-5", other)), "asks for trainer exfiltrate, but the job its submitter signed says credit-mlp");
        Map<String, String> wider = new LinkedHashMap<>(honest);
        wider.put("trainer_parameters", io.meshfl.core.model.TensorSpec.encode(List.of(new io.meshfl.core.model.TensorSpec("w", List.of(1, 1000000)))));
        assertRefused(outcome(node, prepare("run-5", wider)), "asks for the trainer's tensors");
        Map<String, String> own = new LinkedHashMap<>(honest);
        own.put("model_type", "MLP");
        assertRefused(outcome(node, prepare("run-5", own)), "asks for model type MLP");
    }

    private static Message prepare(String run, Map<String, String> cfg) {
        return Message.request("job", run, "horizontal", "prepare", 0, "payments").withConfig(cfg);
    }

    @Test
    void aTrainingTicketComesWithTheSpecItWasSignedForOrTheRunDoesNotOpen() {
        Path certs = dir.resolve("certs");
        DomainNode node = node();
        Map<String, String> cfg = Map.of("product", "payments.history", "role", "host", "features", "a");
        assertRefused(outcome(node, opening(SPEC, null, setup("run-2", cfg), certs)), "came without the job spec it was signed for");
        assertRefused(outcome(node, opening(SPEC, SPEC.replace("seed: 7", "seed: 8"), setup("run-3", cfg), certs)),
                "is not the one it was signed for");
    }

    private static void assertRefused(MeshflException e, String why) {
        assertEquals(ErrorCode.POLICY_VIOLATION, e.code(), e.getMessage());
        assertTrue(e.getMessage().contains(why), e.getMessage());
    }
}
