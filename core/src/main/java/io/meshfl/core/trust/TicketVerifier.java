package io.meshfl.core.trust;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;

import java.math.BigInteger;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Predicate;

/**
 * Checks who signed a job ticket: a certificate of the mesh CA, valid and unrevoked now, whose
 * identity is the ticket's submitter, over exactly the ticket's bytes, issued neither in the
 * future nor longer ago than the ticket lifetime. Without a CA (a plaintext trial mesh) it takes
 * the submitter as claimed and says so in {@link Verified#authenticated()}.
 */
public final class TicketVerifier {

    /** How long a signed ticket may wait before its run starts. */
    public static final Duration DEFAULT_MAX_AGE = Duration.ofHours(24);
    /** Tolerated clock difference between a submitter's host and a node's. */
    public static final Duration CLOCK_SKEW = Duration.ofMinutes(5);

    /** A ticket whose signature held (or, without a CA, was taken on trust). */
    public record Verified(JobTicket ticket, String submitter, boolean authenticated, String fingerprint) {
    }

    private final X509Certificate ca;
    private final Predicate<BigInteger> revoked;
    private final Duration maxAge;

    private TicketVerifier(X509Certificate ca, Predicate<BigInteger> revoked, Duration maxAge) {
        this.ca = ca;
        this.revoked = revoked;
        this.maxAge = maxAge;
    }

    /** Verifies against the mesh CA and its revocation list. */
    public static TicketVerifier of(X509Certificate ca, Revocations revocations) {
        return new TicketVerifier(ca, revocations::isRevoked, DEFAULT_MAX_AGE);
    }

    public static TicketVerifier of(X509Certificate ca, Predicate<BigInteger> revoked, Duration maxAge) {
        return new TicketVerifier(ca, revoked, maxAge);
    }

    /** For plaintext trial meshes: no CA, submitters are taken at their word. */
    public static TicketVerifier unauthenticated() {
        return new TicketVerifier(null, s -> false, DEFAULT_MAX_AGE);
    }

    /** The check of data owners' model approvals against the same CA and revocations. */
    public ApprovalVerifier approvals() {
        return new ApprovalVerifier(ca, revoked);
    }

    public boolean authenticates() {
        return ca != null;
    }

    /** The verified ticket, or a POLICY_VIOLATION saying exactly why it is refused. */
    public Verified verify(SignedTicket signed, Instant now) {
        JobTicket t = signed.content();
        if (t.version() != JobTicket.VERSION) refuse("job ticket version " + t.version() + " is not understood (expected " + JobTicket.VERSION + ")");
        if (ca == null) return new Verified(t, t.submitter(), false, signed.fingerprint());
        if (!signed.signed()) refuse("job of " + t.submitter() + " is not signed; this mesh needs jobs signed with the submitter's certificate");
        MeshIdentity id = signer(signed, t.submitter(), "job ticket", now);
        Instant issued = t.issuedAt();
        if (issued.isAfter(now.plus(CLOCK_SKEW))) refuse("job ticket of " + t.submitter() + " is issued in the future (" + issued + ", now " + now + ")");
        if (issued.isBefore(now.minus(maxAge))) {
            refuse("job ticket of " + t.submitter() + " was issued " + issued + ", longer ago than " + maxAge.toHours() + " h; sign the job again");
        }
        return new Verified(t, id.label(), true, signed.fingerprint());
    }

    /** A standing retraining ticket whose signature held (or, without a CA, was taken on trust). */
    public record VerifiedStanding(StandingTicket ticket, String submitter, boolean authenticated, String fingerprint) {
    }

    /**
     * The verified standing retraining ticket: signed as a job ticket must be (mesh CA, certificate
     * valid and unrevoked now, of the very submitter it names), not issued in the future and not past
     * the end its owner chose; or a POLICY_VIOLATION saying why. Its age is not limited otherwise.
     */
    public VerifiedStanding verifyStanding(SignedTicket signed, Instant now) {
        StandingTicket t = signed.standing();
        if (t.version() != StandingTicket.VERSION) {
            refuse("standing retraining ticket version " + t.version() + " is not understood (expected " + StandingTicket.VERSION + ")");
        }
        String fingerprint = signed.fingerprint();
        if (ca != null) {
            if (!signed.signed()) refuse("the standing retraining ticket of " + t.submitter() + " is not signed; this mesh needs it signed with the "
                    + "owner's certificate");
            signer(signed, t.submitter(), "standing retraining ticket", now);
            if (t.issuedAt().isAfter(now.plus(CLOCK_SKEW))) {
                refuse("the standing retraining ticket of " + t.submitter() + " is issued in the future (" + t.issuedAt() + ", now " + now + ")");
            }
        }
        if (now.isAfter(t.validUntil())) {
            refuse("the standing retraining ticket of " + t.submitter() + " was valid until " + t.validUntil() + "; its owner arms retraining "
                    + "again by submitting the job");
        }
        return new VerifiedStanding(t, t.submitter(), ca != null, fingerprint);
    }

    /**
     * A domain's attestation of a product version it serves, checked for standing ticket
     * {@code nonce} against this verifier's CA and revocations ({@link VersionAttestation#verify};
     * without a CA taken at its word, as tickets are).
     */
    public VersionAttestation.Statement verify(VersionAttestation attestation, String nonce, Instant now) {
        return attestation.verify(nonce, ca, revoked, now);
    }

    /**
     * The identity that signed {@code signed}: a certificate of the mesh CA, valid and unrevoked at
     * {@code now}, naming {@code submitter}, whose key signed exactly the ticket's bytes.
     */
    private MeshIdentity signer(SignedTicket signed, String submitter, String what, Instant now) {
        MeshIdentity id;
        X509Certificate cert;
        try {
            cert = MeshCertificates.decode(signed.certificate());
            id = MeshCertificates.verify(cert, ca, now);
        } catch (CertificateException e) {
            throw new MeshflException(ErrorCode.POLICY_VIOLATION, what + " refused: " + e.getMessage());
        }
        if (revoked.test(id.serial())) refuse(what + " refused: the certificate of " + id.describe() + " is revoked by the mesh CA");
        if (!id.label().equals(submitter)) refuse(what + " names submitter " + submitter + " but is signed by " + id.describe());
        if (!Signer.verify(cert, signed.ticket(), signed.signature())) {
            refuse("the signature of " + id.describe() + " does not match the " + what + ": it was altered or signed for another job");
        }
        return id;
    }

    private static void refuse(String why) {
        throw new MeshflException(ErrorCode.POLICY_VIOLATION, why);
    }
}
