package io.meshfl.wire.tls;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;

import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;

/**
 * Server side of mesh identity: takes the caller's certificate from the TLS session (the
 * handshake already checked it is the mesh CA's and unexpired), refuses revoked or unwanted
 * callers with a status that says why, and hands the identity to the service in {@link MeshTls#PEER}.
 */
final class MeshAuthInterceptor implements ServerInterceptor {

    private final Revocations revocations;
    private final PeerPolicy policy;

    MeshAuthInterceptor(Revocations revocations, PeerPolicy policy) {
        this.revocations = revocations;
        this.policy = policy;
    }

    @Override
    public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
        SSLSession session = call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
        if (session == null) return refuse(call, Status.UNAUTHENTICATED.withDescription("mesh services need mutual TLS"));
        X509Certificate leaf;
        try {
            Certificate[] chain = session.getPeerCertificates();
            leaf = (X509Certificate) chain[0];
        } catch (SSLPeerUnverifiedException | ClassCastException e) {
            return refuse(call, Status.UNAUTHENTICATED.withDescription("no client certificate"));
        }
        MeshIdentity id = MeshIdentity.of(leaf).orElse(null);
        if (id == null) return refuse(call, Status.PERMISSION_DENIED.withDescription("client certificate carries no meshfl:// identity"));
        if (revocations.isRevoked(id.serial())) {
            return refuse(call, Status.PERMISSION_DENIED.withDescription("certificate of " + id.describe() + " is revoked by the mesh CA"));
        }
        if (!policy.allows(id)) {
            return refuse(call, Status.PERMISSION_DENIED.withDescription("this server accepts only " + policy.expected()
                    + "; the caller is " + id.describe()));
        }
        return Contexts.interceptCall(Context.current().withValue(MeshTls.PEER, id), call, headers, next);
    }

    private static <Q, A> ServerCall.Listener<Q> refuse(ServerCall<Q, A> call, Status status) {
        call.close(status, new Metadata());
        return new ServerCall.Listener<>() {
        };
    }
}
