package io.meshfl.wire.tls;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;
import java.net.Socket;
import java.security.GeneralSecurityException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.time.Instant;

/**
 * Trusts exactly the certificates the mesh CA signed directly, while they are valid. On the
 * client side it also checks the server's identity and revocation: mesh identity is the
 * {@code meshfl://} URI, not a host name, so the usual host-name check is replaced by
 * {@link PeerPolicy}. On the server side revocation and roles are left to
 * {@link MeshAuthInterceptor}, which can answer with a status that says why.
 */
final class MeshTrustManager extends X509ExtendedTrustManager {

    private final X509Certificate ca;
    private final Revocations revocations;
    private final PeerPolicy serverPolicy;

    /** @param serverPolicy who a client accepts as its server; null on the server side */
    MeshTrustManager(X509Certificate ca, Revocations revocations, PeerPolicy serverPolicy) {
        this.ca = ca;
        this.revocations = revocations;
        this.serverPolicy = serverPolicy;
    }

    /** Signed by the mesh CA and valid now; returns the identity the certificate carries. */
    static MeshIdentity verify(X509Certificate[] chain, X509Certificate ca) throws CertificateException {
        if (chain == null || chain.length == 0) throw new CertificateException("no certificate presented");
        X509Certificate leaf = chain[0];
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
            leaf.checkValidity();
        } catch (CertificateExpiredException e) {
            throw new CertificateExpiredException("certificate of " + leaf.getSubjectX500Principal().getName() + " expired on "
                    + leaf.getNotAfter().toInstant());
        } catch (CertificateNotYetValidException e) {
            throw new CertificateNotYetValidException("certificate of " + leaf.getSubjectX500Principal().getName()
                    + " is not valid before " + leaf.getNotBefore().toInstant() + " (now " + Instant.now() + ")");
        }
        return MeshIdentity.of(leaf).orElseThrow(() -> new CertificateException("certificate of "
                + leaf.getSubjectX500Principal().getName() + " carries no meshfl:// identity"));
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        verify(chain, ca);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        MeshIdentity id = verify(chain, ca);
        if (revocations.isRevoked(id.serial())) throw new CertificateException("server certificate of " + id.describe() + " is revoked");
        if (serverPolicy != null && !serverPolicy.allows(id)) {
            throw new CertificateException("expected " + serverPolicy.expected() + ", the server presented " + id.describe());
        }
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        checkClientTrusted(chain, authType);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        checkServerTrusted(chain, authType);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        checkClientTrusted(chain, authType);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        checkServerTrusted(chain, authType);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[]{ca};
    }
}
