package io.meshfl.wire.tls;

import io.grpc.ChannelCredentials;
import io.grpc.Context;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.ServerCredentials;
import io.grpc.TlsChannelCredentials;
import io.grpc.TlsServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.trust.MeshIdentity;
import io.meshfl.core.trust.Pem;
import io.meshfl.core.trust.PrivateFiles;
import io.meshfl.core.trust.Revocations;
import io.meshfl.core.trust.Signer;
import io.meshfl.core.trust.TicketVerifier;

import java.io.IOException;
import java.net.SocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Consumer;

/**
 * One party's TLS material (the mesh CA, its own certificate and key, the CA's revocation list)
 * and the gRPC servers and channels built from it. Every connection is mutual TLS: each side
 * presents a certificate of the mesh CA and checks the other's, at the handshake and, for
 * revocation, again on every call in both directions. Refused handshakes and calls are reported
 * to the party's log with the peer and the reason.
 */
public final class MeshTls {

    /** The caller's identity, set for the duration of each call on a mesh server. */
    public static final Context.Key<MeshIdentity> PEER = Context.key("meshfl-peer");

    /** Certificates expiring sooner than this are warned about. */
    public static final Duration EXPIRY_WARNING = Duration.ofDays(7);

    private final X509Certificate ca;
    private final Path certFile;
    private final Path keyFile;
    private final MeshIdentity self;
    private final Revocations revocations;
    private volatile Consumer<String> log = System.err::println;
    private final Consumer<String> handshakeSink = m -> log.accept(m);

    private MeshTls(X509Certificate ca, Path certFile, Path keyFile, MeshIdentity self, Revocations revocations) {
        this.ca = ca;
        this.certFile = certFile;
        this.keyFile = keyFile;
        this.self = self;
        this.revocations = revocations;
    }

    /**
     * Loads {@code ca.pem}, {@code <stem>.pem}, {@code <stem>-key.pem} and {@code crl.pem} (if present)
     * from a folder made by {@code meshfl certs}, and checks the certificate before anything listens:
     * a party with an expired, revoked, foreign or mislabelled certificate fails here, with a clear
     * message, and so does a folder or key file that others on the host may read.
     */
    public static MeshTls load(Path dir, MeshIdentity.Role role, String name) {
        PrivateFiles.directory(dir, "key folder");
        String stem = CertificateAuthority.stem(role, name);
        return load(dir.resolve("ca.pem"), dir.resolve(stem + ".pem"), dir.resolve(stem + "-key.pem"), dir.resolve(CertificateAuthority.CRL),
                role, name);
    }

    /** As {@link #load(Path, MeshIdentity.Role, String)} with each file named; {@code crl} may be null. */
    public static MeshTls load(Path caFile, Path certFile, Path keyFile, Path crl, MeshIdentity.Role role, String name) {
        X509Certificate ca = Pem.certificate(caFile);
        X509Certificate cert = Pem.certificate(certFile);
        if (Files.exists(keyFile)) PrivateFiles.requirePrivateFile(keyFile, "private key");
        Pem.privateKey(keyFile, cert.getPublicKey().getAlgorithm());
        MeshIdentity id;
        try {
            id = MeshTrustManager.verify(new X509Certificate[]{cert}, ca);
        } catch (CertificateException e) {
            throw new MeshflException(ErrorCode.CRYPTO_FAILURE, certFile + ": " + e.getMessage());
        }
        if (id.role() != role || !id.name().equals(role == MeshIdentity.Role.COORDINATOR ? "coordinator" : name)) {
            throw new MeshflException(ErrorCode.CRYPTO_FAILURE, certFile + " is the certificate of " + id.describe() + ", not of "
                    + role.name().toLowerCase(java.util.Locale.ROOT) + " '" + name + "'");
        }
        Revocations revocations = new Revocations(crl, ca);
        if (revocations.isRevoked(id.serial())) {
            throw new MeshflException(ErrorCode.CRYPTO_FAILURE, certFile + ": certificate of " + id.describe() + " is revoked");
        }
        return new MeshTls(ca, certFile, keyFile, id, revocations);
    }

    /** Where refusals and warnings go (standard error until set). */
    public MeshTls log(Consumer<String> sink) {
        this.log = sink;
        return this;
    }

    /** Who this party is, by its own certificate. */
    public MeshIdentity self() {
        return self;
    }

    /** The CA's revocation list as this party reads it. */
    public Revocations revocations() {
        return revocations;
    }

    /** This party's certificate and key, for signing job tickets or chain seals. */
    public Signer signer() {
        return Signer.load(certFile, keyFile);
    }

    /** Checks the tickets of jobs against this mesh's CA and revocation list. */
    public TicketVerifier ticketVerifier() {
        return TicketVerifier.of(ca, revocations);
    }

    /**
     * A warning when this party's certificate expires within {@link #EXPIRY_WARNING}, else null.
     */
    public String expiryWarning() {
        return expiryWarning(self, Instant.now());
    }

    /** A warning when {@code id}'s certificate expires within {@link #EXPIRY_WARNING} of {@code now}, else null. */
    public static String expiryWarning(MeshIdentity id, Instant now) {
        Duration left = Duration.between(now, id.notAfter());
        if (left.compareTo(EXPIRY_WARNING) >= 0) return null;
        long hours = Math.max(0, left.toHours());
        return "WARNING: the certificate of " + id.describe() + " expires on " + id.notAfter() + " (in " + (hours >= 48 ? hours / 24 + " days"
                : hours + " hours") + "); issue a new one with 'meshfl certs revoke' + 'meshfl certs add'";
    }

    /** A Netty server that requires client certificates of the mesh and admits callers {@code policy} allows. */
    public NettyServerBuilder server(SocketAddress address, PeerPolicy policy) {
        NettyServerBuilder b = NettyServerBuilder.forAddress(address, serverCredentials());
        Consumer<String> sink = m -> log.accept(m);
        HandshakeLog.reportTo(handshakeSink);
        b.intercept(new MeshAuthInterceptor(revocations, policy, sink));
        return b;
    }

    public ServerCredentials serverCredentials() {
        try {
            return TlsServerCredentials.newBuilder().keyManager(certFile.toFile(), keyFile.toFile())
                    .trustManager(new MeshTrustManager(ca, revocations, null, m -> log.accept(m)))
                    .clientAuth(TlsServerCredentials.ClientAuth.REQUIRE).build();
        } catch (IOException e) {
            throw new MeshflException(ErrorCode.CRYPTO_FAILURE, "cannot read " + certFile + " / " + keyFile + ": " + e.getMessage());
        }
    }

    /**
     * A JSSE context for an HTTPS server of the mesh (the coordinator's REST API): this party's key
     * and certificate, and the mesh's trust in client certificates (signed by the mesh CA, valid now;
     * revocation and roles are the server's to check per request, as on the gRPC side).
     */
    public javax.net.ssl.SSLContext httpsContext() {
        try {
            X509Certificate cert = Pem.certificate(certFile);
            java.security.PrivateKey key = Pem.privateKey(keyFile, cert.getPublicKey().getAlgorithm());
            java.security.KeyStore ks = java.security.KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            char[] none = new char[0];
            ks.setKeyEntry("self", key, none, new java.security.cert.Certificate[]{cert});
            javax.net.ssl.KeyManagerFactory kmf = javax.net.ssl.KeyManagerFactory.getInstance(javax.net.ssl.KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, none);
            javax.net.ssl.SSLContext ctx = javax.net.ssl.SSLContext.getInstance("TLSv1.3");
            ctx.init(kmf.getKeyManagers(), new javax.net.ssl.TrustManager[]{new MeshTrustManager(ca, revocations, null, m -> log.accept(m))},
                    new java.security.SecureRandom());
            return ctx;
        } catch (java.security.GeneralSecurityException | java.io.IOException e) {
            throw new MeshflException(ErrorCode.CRYPTO_FAILURE, "cannot make an HTTPS context from " + certFile + ": " + e.getMessage());
        }
    }

    /** The mesh CA's certificate. */
    public X509Certificate ca() {
        return ca;
    }

    /** A channel to {@code target} (host:port) that only talks to a server {@code server} allows, checked on every call. */
    public ManagedChannel dial(String target, PeerPolicy server) {
        MeshTrustManager trust = new MeshTrustManager(ca, revocations, server, m -> log.accept(m));
        ChannelCredentials creds;
        try {
            creds = TlsChannelCredentials.newBuilder().keyManager(certFile.toFile(), keyFile.toFile()).trustManager(trust).build();
        } catch (IOException e) {
            throw new MeshflException(ErrorCode.CRYPTO_FAILURE, "cannot read " + certFile + " / " + keyFile + ": " + e.getMessage());
        }
        // Replies only complete a future or feed a stream: cheap enough to run on the transport thread.
        return Grpc.newChannelBuilder(target, creds).directExecutor()
                .intercept(new PeerRevocationCheck(trust, revocations, m -> log.accept(m))).build();
    }
}
