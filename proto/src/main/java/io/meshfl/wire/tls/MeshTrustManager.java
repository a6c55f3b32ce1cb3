package io.meshfl.wire.tls;

import io.meshfl.core.trust.MeshCertificates;
import io.meshfl.core.trust.MeshIdentity;
import io.meshfl.core.trust.Revocations;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;
import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.function.Consumer;

/**
 * Trusts exactly the certificates the mesh CA signed directly, while they are valid. On the
 * client side it also checks the server's identity and revocation: mesh identity is the
 * {@code meshfl://} URI, not a host name, so the usual host-name check is replaced by
 * {@link PeerPolicy}; it remembers whom it last accepted, so that every later call on the
 * connection can be checked against the revocation list again ({@link #peer()}). On the server
 * side revocation and roles are left to {@link MeshAuthInterceptor}, which can answer with a
 * status that says why. Every refused handshake is logged with the peer's address and reason.
 */
final class MeshTrustManager extends X509ExtendedTrustManager {

    private final X509Certificate ca;
    private final Revocations revocations;
    private final PeerPolicy serverPolicy;
    private final Consumer<String> log;
    private volatile MeshIdentity peer;

    /**
     * @param serverPolicy who a client accepts as its server; null on the server side
     * @param log          where refused handshakes are reported
     */
    MeshTrustManager(X509Certificate ca, Revocations revocations, PeerPolicy serverPolicy, Consumer<String> log) {
        this.ca = ca;
        this.revocations = revocations;
        this.serverPolicy = serverPolicy;
        this.log = log;
    }

    /** Signed by the mesh CA and valid now; returns the identity the certificate carries. */
    static MeshIdentity verify(X509Certificate[] chain, X509Certificate ca) throws CertificateException {
        if (chain == null || chain.length == 0) throw new CertificateException("no certificate presented");
        return MeshCertificates.verify(chain[0], ca, Instant.now());
    }

    /** The server identity this client accepted at its last handshake; null before the first. */
    MeshIdentity peer() {
        return peer;
    }

    private void client(X509Certificate[] chain, String from) throws CertificateException {
        try {
            verify(chain, ca);
        } catch (CertificateException e) {
            log.accept("refused TLS client" + from + ": " + e.getMessage());
            throw e;
        }
    }

    private void server(X509Certificate[] chain, String at) throws CertificateException {
        try {
            MeshIdentity id = verify(chain, ca);
            if (revocations.isRevoked(id.serial())) throw new CertificateException("server certificate of " + id.describe() + " is revoked");
            if (serverPolicy != null && !serverPolicy.allows(id)) {
                throw new CertificateException("expected " + serverPolicy.expected() + ", the server presented " + id.describe());
            }
            peer = id;
        } catch (CertificateException e) {
            log.accept("refused TLS server" + at + ": " + e.getMessage());
            throw e;
        }
    }

    private static String address(SSLEngine engine) {
        return engine == null || engine.getPeerHost() == null ? "" : " " + engine.getPeerHost() + ":" + engine.getPeerPort();
    }

    private static String address(Socket socket) {
        return socket == null || socket.getRemoteSocketAddress() == null ? "" : " " + socket.getRemoteSocketAddress();
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        client(chain, "");
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        server(chain, "");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        client(chain, address(socket));
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        server(chain, address(socket));
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        client(chain, address(engine));
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        server(chain, address(engine));
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[]{ca};
    }
}
