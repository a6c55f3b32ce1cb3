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
import io.meshfl.wire.tls.CertificateAuthority;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A coordinator that holds no key of a model's owner runs challengers under the owner's standing
 * retraining ticket; here the coordinator is the attacker. The node serves a run under it only for
 * the spec, the products and the owner signed, once per new version of its product (also across a
 * restart), while the ticket is valid and its signer's certificate unrevoked, and while the
 * contract still grants the owner training. Every refusal says why.
 */
class StandingTicketTest {

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
        ca = TrustedNodes.ca(dir, "payments");
        ca.issue(MeshIdentity.Role.CLIENT, "mallory", 5);
        Files.writeString(dir.resolve("p.csv"), "id,a,y\n1,0.5,1\n2,0.1,0\n");
    }

    /** Product payments.history at {@code version}, granting {@code consumer} training. */
    private DataContract contract(String version, String consumer) throws Exception {
        return TrustedNodes.product(dir, "payments", "history", version, consumer);
    }

    /** A node with its run registry under {@code state}, checking against the mesh CA and its revocation list as they are now. */
    private DomainNode node(DataContract c, String state) {
        return TrustedNodes.node(dir, ca, c, state);
    }

    /** The operator's standing ticket over payments.history 1.0.0 and shop.orders 1.0.0, issued {@code issuedAgo} ago, valid for {@code validity}. */
    private static StandingTicket standing(String submitter, String spec, Duration issuedAgo, Duration validity) {
        long issued = System.currentTimeMillis() - issuedAgo.toMillis();
        return new StandingTicket(StandingTicket.VERSION, StandingTicket.KIND, submitter, "churn", "horizontal", HashChain.sha256Hex(spec),
                JobTicket.freshNonce(), List.of(new JobTicket.ProductVersion("payments.history", "1.0.0"),
                new JobTicket.ProductVersion("shop.orders", "1.0.0")), issued, issued + validity.toMillis());
    }

    private Signer operator() {
        return TrustedNodes.signer(dir, "client-operator");
    }

    /** A run under {@code signed}, reading {@code products} and sending {@code spec} beside it, as a coordinator opens it. */
    private static Message run(String runId, SignedTicket signed, List<JobTicket.ProductVersion> products, String spec) {
        Map<String, byte[]> blobs = new LinkedHashMap<>();
        blobs.put(SessionSteps.TICKET, new StandingRun(signed, products).encode());
        if (spec != null) blobs.put(SessionSteps.SPEC, spec.getBytes(StandardCharsets.UTF_8));
        return Message.request("churn", runId, SessionSteps.PROTOCOL, SessionSteps.AUTHORIZE, 0, "payments").withBlobs(blobs);
    }

    private static List<JobTicket.ProductVersion> versions(String payments, String shop) {
        return List.of(new JobTicket.ProductVersion("payments.history", payments), new JobTicket.ProductVersion("shop.orders", shop));
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
    void aNewVersionTrainsOnceUnderTheStandingTicketEvenAcrossARestart() throws Exception {
        SignedTicket signed = SignedTicket.sign(standing("client:operator", SPEC, Duration.ZERO, Duration.ofDays(90)), operator());
        DataContract v1 = contract("1.0.0", "client:operator");
        refused(node(v1, "a"), run("run-0", signed, versions("1.0.0", "1.0.0"), SPEC),
                "was signed over product payments.history version 1.0.0, so that version counts as used");

        DataContract v2 = contract("2.0.0", "client:operator");
        DomainNode node = node(v2, "b");
        served(node, run("run-1", signed, versions("2.0.0", "1.0.0"), SPEC));
        refused(node, run("run-2", signed, versions("2.0.0", "1.0.0"), SPEC), "already trained on product payments.history version 2.0.0 on this node");
        refused(node, run("run-1", signed, versions("2.0.0", "1.0.0"), SPEC), "run id run-1 was already used on this node");
        node.close();

        DomainNode restarted = node(v2, "b");
        refused(restarted, run("run-3", signed, versions("2.0.0", "1.0.0"), SPEC), "already trained on product payments.history version 2.0.0");
        restarted.close();
        // the next version is new again, and another standing ticket of the owner has used nothing yet
        DomainNode v3 = node(contract("3.0.0", "client:operator"), "b");
        served(v3, run("run-4", signed, versions("3.0.0", "1.0.0"), SPEC));
        SignedTicket another = SignedTicket.sign(standing("client:operator", SPEC, Duration.ZERO, Duration.ofDays(90)), operator());
        served(v3, run("run-5", another, versions("3.0.0", "1.0.0"), SPEC));
    }

    @Test
    void aRunOtherThanTheSignedOneIsRefused() throws Exception {
        SignedTicket signed = SignedTicket.sign(standing("client:operator", SPEC, Duration.ZERO, Duration.ofDays(90)), operator());
        DomainNode node = node(contract("2.0.0", "client:operator"), "n");
        refused(node, run("run-1", signed, versions("2.0.0", "1.0.0"), SPEC.replace("logistic", "mlp")), "is not the one it was signed for");
        refused(node, run("run-2", signed, versions("2.0.0", "1.0.0"), null), "came without the job spec it was signed for");
        refused(node, run("run-3", signed, List.of(new JobTicket.ProductVersion("payments.history", "2.0.0")), SPEC),
                "was signed for products [payments.history, shop.orders]; run run-3 reads [payments.history]");
        refused(node, run("run-4", signed, List.of(new JobTicket.ProductVersion("payments.history", "2.0.0"),
                new JobTicket.ProductVersion("shop.orders", "1.0.0"), new JobTicket.ProductVersion("bank.loans", "1.0.0")), SPEC),
                "a challenger reads exactly the products its owner signed");
        refused(node, run("run-5", signed, versions("9.0.0", "1.0.0"), SPEC), "reads product payments.history version 9.0.0; this node serves version 2.0.0");
        // none of these refusals used the version up
        served(node, run("run-6", signed, versions("2.0.0", "1.0.0"), SPEC));
    }

    @Test
    void anExpiredForgedOrRevokedStandingTicketOpensNoRun() throws Exception {
        DataContract v2 = contract("2.0.0", "client:operator");
        SignedTicket expired = SignedTicket.sign(standing("client:operator", SPEC, Duration.ofDays(10), Duration.ofDays(9)), operator());
        refused(node(v2, "n0"), run("run-1", expired, versions("2.0.0", "1.0.0"), SPEC), "was valid until");

        // mallory signs a standing ticket in the operator's name: the certificate says who signed
        byte[] bytes = standing("client:operator", SPEC, Duration.ZERO, Duration.ofDays(90)).encode();
        Signer mallory = TrustedNodes.signer(dir, "client-mallory");
        SignedTicket forged = new SignedTicket(bytes, mallory.certificate().getEncoded(), mallory.sign(bytes));
        refused(node(v2, "n1"), run("run-2", forged, versions("2.0.0", "1.0.0"), SPEC),
                "standing retraining ticket names submitter client:operator but is signed by");
        // an edited ticket (another spec hash) under the operator's signature of the original
        SignedTicket good = SignedTicket.sign(standing("client:operator", SPEC, Duration.ZERO, Duration.ofDays(90)), operator());
        String edited = new String(good.ticket(), StandardCharsets.UTF_8).replace(HashChain.sha256Hex(SPEC), HashChain.sha256Hex("name: other\n"));
        refused(node(v2, "n2"), run("run-3", new SignedTicket(edited.getBytes(StandardCharsets.UTF_8), good.certificate(), good.signature()),
                versions("2.0.0", "1.0.0"), "name: other\n"), "does not match the standing retraining ticket");
        // an ordinary job ticket is no standing ticket
        JobTicket job = new JobTicket(JobTicket.VERSION, "client:operator", JobTicket.TRAIN, "churn", "horizontal", HashChain.sha256Hex(SPEC),
                JobTicket.freshNonce(), versions("1.0.0", "1.0.0"), null, System.currentTimeMillis());
        refused(node(v2, "n3"), run("run-4", SignedTicket.sign(job, operator()), versions("2.0.0", "1.0.0"), SPEC),
                "the standing retraining ticket is malformed");

        // nor is a standing ticket a job ticket: presented as one, it opens no run
        Message asJobTicket = Message.request("churn", "run-6", SessionSteps.PROTOCOL, SessionSteps.AUTHORIZE, 0, "payments")
                .withBlobs(Map.of(SessionSteps.TICKET, good.encode(), SessionSteps.SPEC, SPEC.getBytes(StandardCharsets.UTF_8)));
        refused(node(v2, "n5"), asJobTicket, "the job ticket is malformed");

        ca.revoke("client-operator");
        refused(node(v2, "n6"), run("run-5", good, versions("2.0.0", "1.0.0"), SPEC), "is revoked by the mesh CA");
    }

    @Test
    void aStandingTicketIsRefusedWhereTheNewVersionNoLongerGrantsTheOwnerTraining() throws Exception {
        SignedTicket signed = SignedTicket.sign(standing("client:operator", SPEC, Duration.ZERO, Duration.ofDays(90)), operator());
        refused(node(contract("2.0.0", "client:marketing"), "n"), run("run-1", signed, versions("2.0.0", "1.0.0"), SPEC),
                "product payments.history grants no access to client:operator");
    }
}
