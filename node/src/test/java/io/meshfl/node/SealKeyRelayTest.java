package io.meshfl.node;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.contract.ContractLoader;
import io.meshfl.core.contract.DataContract;
import io.meshfl.core.crypto.seal.SealedBox;
import io.meshfl.core.protocol.Message;
import io.meshfl.core.protocol.session.SessionSteps;
import io.meshfl.core.trust.JobTicket;
import io.meshfl.core.trust.Revocations;
import io.meshfl.core.trust.SealKeys;
import io.meshfl.core.trust.SignedTicket;
import io.meshfl.core.trust.Signer;
import io.meshfl.wire.tls.CertificateAuthority;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A compromised coordinator relays node-to-node sealing keys; if it could swap one for its own, it
 * could open the sealed payloads and, as the Paillier arbiter, decrypt what is inside. A node takes
 * a peer's key only signed by that domain's certificate for this job.
 */
class SealKeyRelayTest {

    @TempDir
    Path dir;
    CertificateAuthority ca;
    DataContract contract;
    Revocations revocations;

    @BeforeEach
    void mesh() throws Exception {
        ca = TrustedNodes.ca(dir, "lending", "payments", "evil");
        revocations = new Revocations(dir.resolve("certs").resolve(CertificateAuthority.CRL), ca.certificate());
        Files.writeString(dir.resolve("p.csv"), "id,a,y\n1,0.5,1\n2,0.1,0\n");
        Files.writeString(dir.resolve("p.yaml"), """
                apiVersion: v3.0.2
                kind: DataContract
                id: lending.p
                version: 1.0.0
                domain: lending
                dataProduct: p
                servers:
                  - {server: local, type: csv, path: p.csv}
                schema:
                  - name: p
                    properties:
                      - {name: id, logicalType: string, primaryKey: true}
                      - {name: a, logicalType: number}
                      - {name: y, logicalType: integer}
                meshfl:
                  entityKey: id
                  label: y
                  consumers: [{identity: 'client:operator', may: [train], protocols: [vertical]}]
                """);
        contract = ContractLoader.load(dir.resolve("p.yaml"));
    }

    private Signer signer(String stem) {
        return TrustedNodes.signer(dir, stem);
    }

    /** The lending node, with a vertical run of job "job" opened by the operator's signed ticket. */
    private DomainNode node() {
        DomainNode node = new DomainNode("lending", List.of(contract), s -> { }).trust(ca.certificate(), revocations, signer("lending"));
        String spec = "name: job\nproducts: [lending.p, payments.p]\nlabel: y\nmodel: {type: logistic}\n";
        JobTicket t = new JobTicket(JobTicket.VERSION, "client:operator", JobTicket.TRAIN, "job", "vertical", io.meshfl.core.trust.HashChain.sha256Hex(spec),
                JobTicket.freshNonce(), List.of(new JobTicket.ProductVersion("lending.p", "1.0.0")), null, System.currentTimeMillis());
        Message open = node.handle(Message.request("job", "run", SessionSteps.PROTOCOL, SessionSteps.AUTHORIZE, 0, "lending")
                .withBlobs(Map.of("ticket", SignedTicket.sign(t, signer("client-operator")).encode(),
                        SessionSteps.SPEC, spec.getBytes(java.nio.charset.StandardCharsets.UTF_8))));
        assertFalse(open.failed(), () -> open.error().message());
        return node;
    }

    /** How the lending node answers a vertical peers step relaying {@code key} as payments' sealing key: an error's code and message. */
    private static io.meshfl.core.MeshflException relay(DomainNode node, byte[] key) {
        // the run has no setup yet, so even a good key ends in an error: the protocol's, past the key check
        return TrustedNodes.refusal(node, Message.request("job", "run", "vertical", "peers", 0, "lending").withBlobs(Map.of("peer:payments", key)));
    }

    @Test
    void aKeySignedByItsDomainForThisJobReachesTheProtocolAndAnyOtherIsRefused() {
        DomainNode node = node();
        byte[] key = SealedBox.generate().publicKey();
        var honest = relay(node, SealKeys.attest(signer("payments"), "job", key));
        // past the key check: the protocol itself answers that its setup has not come yet
        assertEquals(ErrorCode.OUT_OF_ORDER, honest.code(), honest.getMessage());

        byte[] coordinatorsOwn = SealedBox.generate().publicKey();
        assertRefused(relay(node, coordinatorsOwn), "is not signed by its node");
        assertRefused(relay(node, SealKeys.attest(signer("evil"), "job", coordinatorsOwn)), "signed by domain:evil, not by domain:payments");
        assertRefused(relay(node, SealKeys.attest(signer("payments"), "another-job", key)), "does not match its signature");
        byte[] signed = SealKeys.attest(signer("payments"), "job", key);
        byte[] swapped = signed.clone();
        System.arraycopy(coordinatorsOwn, coordinatorsOwn.length - 8, swapped, 8 + key.length - 8, 8); // the key's last bytes replaced
        assertRefused(relay(node, swapped), "does not match its signature");
        assertRefused(relay(node, SealKeys.attest(signer("client-operator"), "job", key)), "not by domain:payments");

        ca.revoke("payments");
        Revocations fresh = new Revocations(dir.resolve("certs").resolve(CertificateAuthority.CRL), ca.certificate());
        assertTrue(fresh.isRevoked(signer("payments").certificate().getSerialNumber()));
        var e = org.junit.jupiter.api.Assertions.assertThrows(io.meshfl.core.MeshflException.class,
                () -> SealKeys.verify(signed, "job", "payments", ca.certificate(), fresh, java.time.Instant.now()));
        assertTrue(e.getMessage().contains("revoked"), e.getMessage());
    }

    @Test
    void theKeyANodeHandsOutLeavesSignedAndANodeWithoutACaTakesKeysBare() {
        byte[] key = SealedBox.generate().publicKey();
        PeerKeys signing = new PeerKeys(ca.certificate(), revocations, signer("lending"));
        Message req = Message.request("job", "run", "vertical", "setup", 0, "lending");
        Message out = signing.sign(req, req.reply("lending", Map.of(), Map.of(), Map.of("seal_pk", key)));
        byte[] bundle = out.blob("seal_pk");
        assertTrue(SealKeys.attested(bundle));
        assertArrayEquals(key, SealKeys.verify(bundle, "job", "lending", ca.certificate(), revocations, java.time.Instant.now()));

        Message relayed = PeerKeys.NONE.check(req.withBlobs(Map.of("peer:lending", bundle, "peer:payments", key)));
        assertArrayEquals(key, relayed.blob("peer:lending"));
        assertArrayEquals(key, relayed.blob("peer:payments"));
    }

    private static void assertRefused(io.meshfl.core.MeshflException e, String why) {
        assertEquals(ErrorCode.POLICY_VIOLATION, e.code(), e.getMessage());
        assertTrue(e.getMessage().contains(why), e.getMessage());
    }
}
