package io.meshfl.wire.tls;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.meshfl.core.trust.MeshIdentity;
import io.meshfl.core.trust.Revocations;

import java.util.function.Consumer;

/**
 * The client half of per-call revocation: TLS checks the server's certificate once, at the
 * handshake, but a connection may outlive the certificate. Before every call this checks the
 * server identity of the channel's last handshake against the revocation list again, and fails
 * the call without sending a byte when it has been revoked.
 */
final class PeerRevocationCheck implements ClientInterceptor {

    private final MeshTrustManager trust;
    private final Revocations revocations;
    private final Consumer<String> log;

    PeerRevocationCheck(MeshTrustManager trust, Revocations revocations, Consumer<String> log) {
        this.trust = trust;
        this.revocations = revocations;
        this.log = log;
    }

    @Override
    public <Q, A> ClientCall<Q, A> interceptCall(MethodDescriptor<Q, A> method, CallOptions options, Channel next) {
        MeshIdentity peer = trust.peer();
        if (peer == null || !revocations.isRevoked(peer.serial())) return next.newCall(method, options);
        String why = "certificate of " + peer.describe() + " has been revoked by the mesh CA; refusing to call "
                + method.getBareMethodName();
        log.accept(why);
        return new ClientCall<>() {
            @Override
            public void start(Listener<A> listener, Metadata headers) {
                listener.onClose(Status.PERMISSION_DENIED.withDescription(why), new Metadata());
            }

            @Override
            public void request(int numMessages) {
            }

            @Override
            public void cancel(String message, Throwable cause) {
            }

            @Override
            public void halfClose() {
            }

            @Override
            public void sendMessage(Q message) {
            }
        };
    }
}
