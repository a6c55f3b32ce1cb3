package io.meshfl.wire.tls;

import io.meshfl.core.MeshflException;
import io.meshfl.core.trust.JobTicket;
import io.meshfl.core.trust.MeshIdentity;
import io.meshfl.core.trust.Revocations;
import io.meshfl.core.trust.SignedTicket;
import io.meshfl.core.trust.Signer;
import io.meshfl.core.trust.TicketVerifier;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Job tickets signed with real mesh certificates, and every way a verifier must refuse one. */
class SignedTicketTest {

    @TempDir
    Path dir;

    private CertificateAuthority ca;
    private Signer operator;
    private TicketVerifier verifier;

    @BeforeEach
    void mesh() {
        ca = CertificateAuthority.create(dir.resolve("certs"), CertificateAuthority.KeyType.EC, "t", 10);
        ca.issue(MeshIdentity.Role.CLIENT, "operator", 5);
        ca.issue(MeshIdentity.Role.CLIENT, "mallory", 5);
        operator = signer("client-operator");
        verifier = TicketVerifier.of(ca.certificate(), new Revocations(dir.resolve("certs").resolve("crl.pem"), ca.certificate()));
    }

    private Signer signer(String stem) {
        return Signer.load(dir.resolve("certs").resolve(stem + ".pem"), dir.resolve("certs").resolve(stem + "-key.pem"));
    }

    private static JobTicket ticket(String submitter, long issuedAt) {
        return new JobTicket(JobTicket.VERSION, submitter, JobTicket.TRAIN, "job", "vertical", "ab".repeat(32), JobTicket.freshNonce(),
                List.of(new JobTicket.ProductVersion("bank.customers", "1.0.0")), null, issuedAt);
    }

    private String refusal(SignedTicket t) {
        return assertThrows(MeshflException.class, () -> verifier.verify(t, Instant.now())).getMessage();
    }

    @Test
    void aTicketSignedByItsSubmitterVerifiesAndSurvivesTheWire() {
        SignedTicket t = SignedTicket.decode(SignedTicket.sign(ticket("client:operator", System.currentTimeMillis()), operator).encode());
        TicketVerifier.Verified v = verifier.verify(t, Instant.now());
        assertEquals("client:operator", v.submitter());
        assertTrue(v.authenticated());
        assertEquals("bank.customers", v.ticket().products().get(0).id());
    }

    @Test
    void unsignedAlteredMisattributedOrForeignTicketsAreRefused() {
        assertTrue(refusal(SignedTicket.unsigned(ticket("client:operator", System.currentTimeMillis()))).contains("is not signed"));

        SignedTicket good = SignedTicket.sign(ticket("client:operator", System.currentTimeMillis()), operator);
        String edited = new String(good.ticket(), StandardCharsets.UTF_8).replace("bank.customers", "shop.customers");
        assertTrue(refusal(new SignedTicket(edited.getBytes(StandardCharsets.UTF_8), good.certificate(), good.signature()))
                .contains("does not match the job ticket"));

        // mallory signs a ticket in the operator's name: the certificate says who signed
        JobTicket claim = ticket("client:operator", System.currentTimeMillis());
        Signer mallory = signer("client-mallory");
        byte[] bytes = claim.encode();
        SignedTicket forged;
        try {
            forged = new SignedTicket(bytes, mallory.certificate().getEncoded(), mallory.sign(bytes));
        } catch (java.security.cert.CertificateEncodingException e) {
            throw new AssertionError(e);
        }
        String why = refusal(forged);
        assertTrue(why.contains("names submitter client:operator but is signed by client 'mallory'"), why);

        CertificateAuthority other = CertificateAuthority.create(dir.resolve("other"), CertificateAuthority.KeyType.EC, "o", 10);
        other.issue(MeshIdentity.Role.CLIENT, "operator", 5);
        Signer impostor = Signer.load(dir.resolve("other").resolve("client-operator.pem"), dir.resolve("other").resolve("client-operator-key.pem"));
        assertTrue(refusal(SignedTicket.sign(ticket("client:operator", System.currentTimeMillis()), impostor)).contains("not issued by the mesh CA"));
    }

    @Test
    void aRevokedSignerIsRefused() {
        SignedTicket t = SignedTicket.sign(ticket("client:mallory", System.currentTimeMillis()), signer("client-mallory"));
        assertEquals("client:mallory", verifier.verify(t, Instant.now()).submitter());
        ca.revoke("client-mallory");
        TicketVerifier fresh = TicketVerifier.of(ca.certificate(), new Revocations(dir.resolve("certs").resolve("crl.pem"), ca.certificate()));
        var e = assertThrows(MeshflException.class, () -> fresh.verify(t, Instant.now()));
        assertTrue(e.getMessage().contains("client 'mallory'") && e.getMessage().contains("revoked"), e.getMessage());
    }

    @Test
    void aTicketTooOldOrFromTheFutureIsRefused() {
        long now = System.currentTimeMillis();
        String old = refusal(SignedTicket.sign(ticket("client:operator", now - Duration.ofHours(25).toMillis()), operator));
        assertTrue(old.contains("longer ago than 24 h"), old);
        String future = refusal(SignedTicket.sign(ticket("client:operator", now + Duration.ofMinutes(30).toMillis()), operator));
        assertTrue(future.contains("in the future"), future);
    }

    @Test
    void aMeshWithoutCertificatesTakesTheSubmitterAtItsWordAndSaysSo() {
        TicketVerifier.Verified v = TicketVerifier.unauthenticated().verify(SignedTicket.unsigned(ticket("client:operator", System.currentTimeMillis())),
                Instant.now());
        assertFalse(v.authenticated());
        assertEquals("client:operator", v.submitter());
    }
}
