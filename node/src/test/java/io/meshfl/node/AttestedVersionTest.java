package io.meshfl.node;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.contract.DataContract;
import io.meshfl.core.protocol.Message;
import io.meshfl.core.protocol.session.SessionSteps;
import io.meshfl.core.trust.HashChain;
import io.meshfl.core.trust.JobTicket;
import io.meshfl.core.trust.MeshIdentity;
import io.meshfl.core.trust.SignedTicket;
import io.meshfl.core.trust.Signer;
import io.meshfl.core.trust.StandingRun;
import io.meshfl.core.trust.StandingTicket;
import io.meshfl.core.trust.VersionAttestation;
import io.meshfl.wire.tls.CertificateAuthority;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A challenger of a job over payments and shop, where only shop published a new version: the node
 * of payments, whose product did not change, serves it under the owner's standing ticket only on
 * shop's own signed word that it serves that version, bound to that ticket, and only once. The
 * coordinator relaying the attestations is the attacker: it replays them, edits them, has another
 * identity sign them, or relays them for another ticket or version.
 */
class AttestedVersionTest {

    @TempDir
    Path dir;
    CertificateAuthority ca;

    private static final String SPEC = """
            name: churn
            products: [payments.history, shop.orders]
            label: y
            model: {type: logistic}
            retrain: {on: product-version, metric: auc}
            """;

    @BeforeEach
    void mesh() throws Exception {
        ca = TrustedNodes.ca(dir, "payments", "shop", "bank");
        ca.issue(MeshIdentity.Role.CLIENT, "mallory", 5);
        Files.writeString(dir.resolve("p.csv"), "id,a,y\n1,0.5,1\n2,0.1,0\n");
    }

    /** Product {@code domain.name} at {@code version}, granting the operator training. */
    private DataContract contract(String domain, String name, String version) throws Exception {
        return TrustedNodes.product(dir, domain, name, version, "client:operator");
    }

    private DomainNode node(DataContract c, String state) {
        return TrustedNodes.node(dir, ca, c, state);
    }

    /** The payments node, still at the version the owner signed. */
    private DomainNode payments(String state) throws Exception {
        return node(contract("payments", "history", "1.0.0"), state);
    }

    private SignedTicket standing() {
        long now = System.currentTimeMillis();
        return SignedTicket.sign(new StandingTicket(StandingTicket.VERSION, StandingTicket.KIND, "client:operator", "churn", "horizontal",
                HashChain.sha256Hex(SPEC), JobTicket.freshNonce(), versions("1.0.0"), now, now + Duration.ofDays(90).toMillis()),
                TrustedNodes.signer(dir, "client-operator"));
    }

    private static List<JobTicket.ProductVersion> versions(String shop) {
        return List.of(new JobTicket.ProductVersion("payments.history", "1.0.0"), new JobTicket.ProductVersion("shop.orders", shop));
    }

    /** What the node of shop, serving {@code version}, answers the coordinator's {@code session/attest} for {@code signed}. */
    private VersionAttestation askShop(String version, SignedTicket signed) throws Exception {
        DomainNode shop = node(contract("shop", "orders", version), "shop-" + version);
        Message reply = shop.handle(Message.request("churn", "", SessionSteps.PROTOCOL, SessionSteps.ATTEST, 0, "shop")
                .withConfig(Map.of(SessionSteps.STANDING, signed.standing().nonce())));
        shop.close();
        assertFalse(reply.failed(), () -> reply.error().message());
        return VersionAttestation.decode(reply.blobs().get(SessionSteps.ATTESTATION + "shop.orders"));
    }

    /** Run {@code runId} under {@code signed}, reading shop at {@code shop}, relaying {@code attestations}. */
    private static Message run(String runId, SignedTicket signed, String shop, List<VersionAttestation> attestations) {
        return Message.request("churn", runId, SessionSteps.PROTOCOL, SessionSteps.AUTHORIZE, 0, "payments").withBlobs(Map.of(
                SessionSteps.TICKET, new StandingRun(signed, versions(shop), attestations).encode(),
                SessionSteps.SPEC, SPEC.getBytes(StandardCharsets.UTF_8)));
    }

    /** A statement about shop.orders signed by {@code signer}, whoever that is. */
    private static VersionAttestation signedBy(Signer signer, String nonce) {
        return VersionAttestation.sign(signer, "shop", "shop.orders", "2.0.0", "ab".repeat(32), nonce);
    }

    private static void served(DomainNode node, Message req) {
        Message reply = node.handle(req);
        assertFalse(reply.failed(), () -> reply.error().message());
    }

    private static void refused(DomainNode node, Message req, String why) {
        MeshflException e = TrustedNodes.refusal(node, req);
        assertEquals(ErrorCode.POLICY_VIOLATION, e.code(), e.getMessage());
        assertTrue(e.getMessage().contains(why), e.getMessage());
    }

    @Test
    void anotherDomainsAttestedNewVersionOpensTheRunOnceOnThisNodeEvenAcrossARestart() throws Exception {
        SignedTicket signed = standing();
        VersionAttestation shop2 = askShop("2.0.0", signed);
        assertEquals("2.0.0", shop2.content().version());
        DomainNode node = payments("p");
        refused(node, run("run-0", signed, "2.0.0", List.of()), "was signed over product payments.history version 1.0.0, so that version counts "
                + "as used; and run run-0 relays no attestation of another product's new version");
        served(node, run("run-1", signed, "2.0.0", List.of(shop2)));
        refused(node, run("run-2", signed, "2.0.0", List.of(shop2)), "relays no attestation of a version new on this node");
        // a fresh attestation of the same version is the same version
        refused(node, run("run-3", signed, "2.0.0", List.of(askShop("2.0.0", signed))), "relays no attestation of a version new on this node");
        node.close();

        DomainNode restarted = payments("p");
        refused(restarted, run("run-4", signed, "2.0.0", List.of(shop2)), "relays no attestation of a version new on this node");
        // shop's next version is new here again
        served(restarted, run("run-5", signed, "3.0.0", List.of(askShop("3.0.0", signed))));
        restarted.close();
    }

    @Test
    void anAttestationNotSignedByTheProductsDomainForThisTicketAndVersionIsRefused() throws Exception {
        SignedTicket signed = standing();
        String nonce = signed.standing().nonce();
        DomainNode node = payments("p");
        refused(node, run("run-1", signed, "2.0.0", List.of(signedBy(TrustedNodes.signer(dir, "bank"), nonce))),
                "is signed by domain:bank, not by domain:shop");
        refused(node, run("run-2", signed, "2.0.0", List.of(signedBy(TrustedNodes.signer(dir, "client-mallory"), nonce))),
                "is signed by client:mallory, not by domain:shop");
        refused(node, run("run-3", signed, "2.0.0", List.of(askShop("2.0.0", standing()))), "was made for another standing ticket");
        refused(node, run("run-4", signed, "2.0.0", List.of(askShop("3.0.0", signed))), "is relayed with a run that reads version 2.0.0 of it");
        // shop's statement of 2.0.0, edited to say 3.0.0 under shop's signature of the original
        VersionAttestation real = askShop("2.0.0", signed);
        byte[] edited = new String(real.statement(), StandardCharsets.UTF_8).replace("\"2.0.0\"", "\"3.0.0\"").getBytes(StandardCharsets.UTF_8);
        refused(node, run("run-5", signed, "3.0.0", List.of(new VersionAttestation(edited, real.certificate(), real.signature()))),
                "does not match domain shop's attestation of shop.orders version 3.0.0: it was altered");
        // none of these refusals counted the version: the real attestation still opens one run
        served(node, run("run-6", signed, "2.0.0", List.of(real)));
        node.close();
    }

    @Test
    void anAttestationByARevokedCertificateIsRefused() throws Exception {
        SignedTicket signed = standing();
        VersionAttestation shop2 = askShop("2.0.0", signed);
        ca.revoke("shop");
        refused(payments("p"), run("run-1", signed, "2.0.0", List.of(shop2)), "is signed with a revoked certificate");
    }
}
