package io.meshfl.wire.tls;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;

import io.meshfl.core.trust.MeshIdentity;
import io.meshfl.core.trust.Revocations;

import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;

/**
 * Server side of mesh identity: takes the caller's certificate from the TLS session (the
 * handshake already checked it is the mesh CA's and unexpired), refuses revoked or unwanted
 * callers with a status that says why (and logs the refusal with the caller's identity), and
 * hands the identity to the service in {@link MeshTls#PEER}. Checked on every call, so a
 * certificate revoked while its connection is open is refused from its next call on.
 */
final class MeshAuthInterceptor implements ServerInterceptor {

    private final Revocations revocations;
    private final PeerPolicy policy;
    private final java.util.function.Consumer<String> log;

    MeshAuthInterceptor(Revocations revocations, PeerPolicy policy, java.util.function.Consumer<String> log) {
        this.revocations = revocations;
        this.policy = policy;
        this.log = log;
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

    private <Q, A> ServerCall.Listener<Q> refuse(ServerCall<Q, A> call, Status status) {
        log.accept("refused " + call.getMethodDescriptor().getBareMethodName() + " from "
                + call.getAttributes().get(io.grpc.Grpc.TRANSPORT_ATTR_REMOTE_ADDR) + ": " + status.getDescription());
        call.close(status, new Metadata());
        return new ServerCall.Listener<>() {
        };
    }
}
