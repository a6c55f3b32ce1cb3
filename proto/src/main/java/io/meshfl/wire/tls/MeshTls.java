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

import java.io.IOException;
import java.net.SocketAddress;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;

/**
 * One party's TLS material (the mesh CA, its own certificate and key, the CA's revocation list)
 * and the gRPC servers and channels built from it. Every connection is mutual TLS: each side
 * presents a certificate of the mesh CA and checks the other's.
 */
public final class MeshTls {

    /** The caller's identity, set for the duration of each call on a mesh server. */
    public static final Context.Key<MeshIdentity> PEER = Context.key("meshfl-peer");

    private final X509Certificate ca;
    private final Path certFile;
    private final Path keyFile;
    private final MeshIdentity self;
    private final Revocations revocations;

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
     * a party with an expired, revoked, foreign or mislabelled certificate fails here, with a clear message.
     */
    public static MeshTls load(Path dir, MeshIdentity.Role role, String name) {
        String stem = CertificateAuthority.stem(role, name);
        return load(dir.resolve("ca.pem"), dir.resolve(stem + ".pem"), dir.resolve(stem + "-key.pem"), dir.resolve(CertificateAuthority.CRL),
                role, name);
    }

    /** As {@link #load(Path, MeshIdentity.Role, String)} with each file named; {@code crl} may be null. */
    public static MeshTls load(Path caFile, Path certFile, Path keyFile, Path crl, MeshIdentity.Role role, String name) {
        X509Certificate ca = Pem.certificate(caFile);
        X509Certificate cert = Pem.certificate(certFile);
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

    /** Who this party is, by its own certificate. */
    public MeshIdentity self() {
        return self;
    }

    /** A Netty server that requires client certificates of the mesh and admits callers {@code policy} allows. */
    public NettyServerBuilder server(SocketAddress address, PeerPolicy policy) {
        NettyServerBuilder b = NettyServerBuilder.forAddress(address, serverCredentials());
        b.intercept(new MeshAuthInterceptor(revocations, policy));
        return b;
    }

    public ServerCredentials serverCredentials() {
        try {
            return TlsServerCredentials.newBuilder().keyManager(certFile.toFile(), keyFile.toFile())
                    .trustManager(new MeshTrustManager(ca, revocations, null))
                    .clientAuth(TlsServerCredentials.ClientAuth.REQUIRE).build();
        } catch (IOException e) {
            throw new MeshflException(ErrorCode.CRYPTO_FAILURE, "cannot read " + certFile + " / " + keyFile + ": " + e.getMessage());
        }
    }

    public ChannelCredentials channelCredentials(PeerPolicy server) {
        try {
            return TlsChannelCredentials.newBuilder().keyManager(certFile.toFile(), keyFile.toFile())
                    .trustManager(new MeshTrustManager(ca, revocations, server)).build();
        } catch (IOException e) {
            throw new MeshflException(ErrorCode.CRYPTO_FAILURE, "cannot read " + certFile + " / " + keyFile + ": " + e.getMessage());
        }
    }

    /** A channel to {@code target} (host:port) that only talks to a server {@code server} allows. */
    public ManagedChannel dial(String target, PeerPolicy server) {
        // Replies only complete a future or feed a stream: cheap enough to run on the transport thread.
        return Grpc.newChannelBuilder(target, channelCredentials(server)).directExecutor().build();
    }
}
