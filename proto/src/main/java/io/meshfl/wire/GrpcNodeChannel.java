package io.meshfl.wire;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.protocol.Message;
import io.meshfl.core.protocol.NodeChannel;
import io.meshfl.proto.Chunk;
import io.meshfl.proto.NodeServiceGrpc;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link NodeChannel} over gRPC: each call is one bidirectional stream carrying the request's
 * chunks out and the reply's chunks back. Works over any channel, TCP or in-process, and
 * counts the serialized bytes both ways. Stamps every request that has none with a growing sequence number.
 */
public final class GrpcNodeChannel implements NodeChannel {

    /** gRPC frames each message with a 5-byte prefix (flag + length); counted so byte totals match the wire. */
    static final int FRAME = 5;

    private final String nodeId;
    private final String domain;
    private final ManagedChannel channel;
    private final boolean owned;
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong received = new AtomicLong();
    private final AtomicLong sequence = new AtomicLong();

    public GrpcNodeChannel(String nodeId, String domain, ManagedChannel channel, boolean owned) {
        this.nodeId = nodeId;
        this.domain = domain;
        this.channel = channel;
        this.owned = owned;
    }

    @Override
    public String nodeId() {
        return nodeId;
    }

    @Override
    public String domain() {
        return domain;
    }

    @Override
    public Message call(Message request, Duration timeout) {
        // a caller that numbers its messages itself (the audited channel of a run) keeps its numbers
        Message stamped = request.sequence() > 0 ? request : request.withSequence(sequence.incrementAndGet());
        CompletableFuture<Message> result = new CompletableFuture<>();
        EnvelopeCodec.Assembler asm = new EnvelopeCodec.Assembler();
        StreamObserver<Chunk> replies = new StreamObserver<>() {
            @Override
            public void onNext(Chunk c) {
                received.addAndGet(c.getSerializedSize() + FRAME);
                try {
                    if (asm.accept(c)) result.complete(asm.message());
                } catch (MeshflException e) {
                    result.completeExceptionally(e);
                }
            }

            @Override
            public void onError(Throwable t) {
                result.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {
                if (!result.isDone()) {
                    result.completeExceptionally(new MeshflException(ErrorCode.PROTOCOL_FAILURE,
                            "node of " + domain + " closed the stream before a full reply"));
                }
            }
        };
        StreamObserver<Chunk> requests = NodeServiceGrpc.newStub(channel)
                .withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS).call(replies);
        try {
            EnvelopeCodec.encode(stamped, c -> {
                sent.addAndGet(c.getSerializedSize() + FRAME);
                requests.onNext(c);
            });
            requests.onCompleted();
        } catch (RuntimeException e) {
            requests.onError(e);
            throw translate(e);
        }
        try {
            Message reply = result.get(timeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
            if (reply.sequence() != stamped.sequence() && !reply.failed()) {
                throw new MeshflException(ErrorCode.OUT_OF_ORDER, "node of " + domain + " answered message "
                        + reply.sequence() + " to request " + stamped.sequence());
            }
            return reply;
        } catch (ExecutionException e) {
            throw translate(e.getCause());
        } catch (TimeoutException e) {
            throw new MeshflException(ErrorCode.ROUND_TIMEOUT, "node of " + domain + " did not answer "
                    + request.protocol() + "/" + request.step() + " within " + timeout.toMillis() + " ms");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MeshflException(ErrorCode.COORDINATOR_FAILURE, "interrupted calling node of " + domain);
        }
    }

    /** The certificate problem under a failed call (a revoked or untrusted peer), or null. */
    private static Throwable certificateCause(Throwable t) {
        for (Throwable c = t; c != null && c.getCause() != c; c = c.getCause()) {
            if (c instanceof java.security.cert.CertificateException) return c;
        }
        return null;
    }

    private MeshflException translate(Throwable t) {
        if (t instanceof MeshflException me) return me;
        if (t instanceof StatusRuntimeException sre) {
            Status.Code code = sre.getStatus().getCode();
            if (code == Status.Code.DEADLINE_EXCEEDED) {
                return new MeshflException(ErrorCode.ROUND_TIMEOUT, "node of " + domain + " timed out: " + sre.getStatus().getDescription());
            }
            if (code == Status.Code.PERMISSION_DENIED || code == Status.Code.UNAUTHENTICATED) {
                // the node refused this coordinator (e.g. its certificate is revoked): not a node that went away
                return new MeshflException(ErrorCode.POLICY_VIOLATION, "node of " + domain + " refused the call: " + sre.getStatus().getDescription());
            }
            Throwable certificate = certificateCause(sre);
            if (certificate != null) {
                return new MeshflException(ErrorCode.CRYPTO_FAILURE, "node of " + domain + " failed the TLS check: " + certificate.getMessage());
            }
            if (code == Status.Code.UNAVAILABLE || code == Status.Code.CANCELLED) {
                return new MeshflException(ErrorCode.NODE_LOST, "node of " + domain + " is unreachable: " + sre.getStatus());
            }
            return new MeshflException(ErrorCode.NODE_FAILURE, "node of " + domain + ": " + sre.getStatus());
        }
        return new MeshflException(ErrorCode.NODE_FAILURE, "node of " + domain + ": " + t);
    }

    @Override
    public long bytesSent() {
        return sent.get();
    }

    @Override
    public long bytesReceived() {
        return received.get();
    }

    /** Closes the underlying channel if this object created it. */
    public void close() {
        if (owned) {
            channel.shutdownNow();
        }
    }
}
