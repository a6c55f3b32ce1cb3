package io.meshfl.core.trust;

import java.security.GeneralSecurityException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.io.ByteArrayInputStream;
import java.time.Instant;
import java.util.Date;

/**
 * The one check of a mesh certificate, shared by TLS handshakes, job tickets and chain seals:
 * issued and signed directly by the mesh CA, valid at the given time, carrying one
 * {@code meshfl://} identity. Revocation is the caller's second question ({@link Revocations}).
 */
public final class MeshCertificates {

    private MeshCertificates() {
    }

    /** The identity {@code leaf} carries, if the mesh CA signed it and it is valid {@code at}. */
    public static MeshIdentity verify(X509Certificate leaf, X509Certificate ca, Instant at) throws CertificateException {
        if (leaf == null) throw new CertificateException("no certificate presented");
        if (!leaf.getIssuerX500Principal().equals(ca.getSubjectX500Principal())) {
            throw new CertificateException("certificate of " + leaf.getSubjectX500Principal().getName() + " is not issued by the mesh CA "
                    + ca.getSubjectX500Principal().getName());
        }
        try {
            leaf.verify(ca.getPublicKey());
        } catch (GeneralSecurityException e) {
            throw new CertificateException("certificate of " + leaf.getSubjectX500Principal().getName() + " is not signed by the mesh CA");
        }
        try {
            leaf.checkValidity(Date.from(at));
        } catch (CertificateExpiredException e) {
            throw new CertificateExpiredException("certificate of " + leaf.getSubjectX500Principal().getName() + " expired on "
                    + leaf.getNotAfter().toInstant());
        } catch (CertificateNotYetValidException e) {
            throw new CertificateNotYetValidException("certificate of " + leaf.getSubjectX500Principal().getName()
                    + " is not valid before " + leaf.getNotBefore().toInstant() + " (now " + at + ")");
        }
        return MeshIdentity.of(leaf).orElseThrow(() -> new CertificateException("certificate of "
                + leaf.getSubjectX500Principal().getName() + " carries no meshfl:// identity"));
    }

    /** A certificate from its DER bytes. */
    public static X509Certificate decode(byte[] der) throws CertificateException {
        return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der));
    }

    /**
     * The signer of {@code data}, when {@code certificate} is one the mesh CA vouches for at {@code now}, of domain
     * {@code domain}, not revoked, and {@code signature} is its signature over exactly {@code data}; otherwise a
     * POLICY_VIOLATION saying which, about {@code what} (a signed statement's own description).
     */
    public static MeshIdentity requireDomainSignature(byte[] certificate, byte[] data, byte[] signature, String domain, X509Certificate ca,
                                                      java.util.function.Predicate<java.math.BigInteger> revoked, Instant now, String what) {
        X509Certificate cert;
        MeshIdentity id;
        try {
            cert = decode(certificate);
            id = verify(cert, ca, now);
        } catch (CertificateException e) {
            throw refuse(what + " is signed with a certificate the mesh CA does not vouch for: " + e.getMessage());
        }
        if (!id.isDomain(domain)) throw refuse(what + " is signed by " + id.label() + ", not by domain:" + domain);
        if (revoked.test(id.serial())) throw refuse(what + " is signed with a revoked certificate (" + id.describe() + ")");
        if (!Signer.verify(cert, data, signature)) throw refuse("the signature of " + id.describe() + " does not match " + what + ": it was altered");
        return id;
    }

    private static io.meshfl.core.MeshflException refuse(String why) {
        return new io.meshfl.core.MeshflException(io.meshfl.core.ErrorCode.POLICY_VIOLATION, why);
    }
}
