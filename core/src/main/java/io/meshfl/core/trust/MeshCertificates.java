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
}
