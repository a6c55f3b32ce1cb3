package io.meshfl.wire;

import io.grpc.stub.StreamObserver;
import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.protocol.Message;
import io.meshfl.proto.Chunk;

import java.util.function.Function;

/**
 * The server half of one {@code NodeService.Call} stream: assembles the request, runs it through
 * {@code handler}, streams the reply back. Anything thrown becomes an error reply, never a
 * broken stream, so a node never throws across the wire.
 */
public final class NodeCallHandler implements StreamObserver<Chunk> {

    private final StreamObserver<Chunk> out;
    private final Function<Message, Message> handler;
    private final String self;
    private final EnvelopeCodec.Assembler asm = new EnvelopeCodec.Assembler();
    private boolean answered;

    private final java.util.function.Consumer<String> log;

    public NodeCallHandler(StreamObserver<Chunk> out, String self, Function<Message, Message> handler) {
        this(out, self, handler, line -> { });
    }

    /** @param log where an unexpected failure's own text and trace go (they never cross the wire) */
    public NodeCallHandler(StreamObserver<Chunk> out, String self, Function<Message, Message> handler,
                           java.util.function.Consumer<String> log) {
        this.out = out;
        this.self = self;
        this.handler = handler;
        this.log = log;
    }

    @Override
    public void onNext(Chunk c) {
        if (answered) return;
        try {
            if (asm.accept(c)) {
                answered = true;
                Message req = asm.message();
                Message reply;
                try {
                    reply = handler.apply(req);
                } catch (MeshflException e) {
                    reply = req.failure(self, e.code(), e.getMessage());
                } catch (RuntimeException e) {
                    java.io.StringWriter trace = new java.io.StringWriter();
                    e.printStackTrace(new java.io.PrintWriter(trace));
                    log.accept("internal error serving " + req.protocol() + "/" + req.step() + " of run " + req.runId() + ": " + trace);
                    // Its text may quote a cell value or a path of the domain: only its kind crosses.
                    reply = req.failure(self, ErrorCode.NODE_FAILURE, "internal error in node " + self + " ("
                            + e.getClass().getSimpleName() + " while serving " + req.protocol() + "/" + req.step() + ")");
                }
                EnvelopeCodec.encode(reply, out::onNext);
                out.onCompleted();
            }
        } catch (MeshflException e) {
            answered = true;
            Message bad = new Message("", "", "envelope", "decode", 0, self, "", null, null, null,
                    new Message.ErrorInfo(e.code(), e.getMessage()), 0);
            EnvelopeCodec.encode(bad, out::onNext);
            out.onCompleted();
        }
    }

    @Override
    public void onError(Throwable t) {
        // The caller went away; there is nobody to answer.
    }

    @Override
    public void onCompleted() {
        if (!answered) {
            answered = true;
            Message bad = new Message("", "", "envelope", "decode", 0, self, "", null, null, null,
                    new Message.ErrorInfo(ErrorCode.PROTOCOL_FAILURE, "request stream ended before a full message"), 0);
            EnvelopeCodec.encode(bad, out::onNext);
            out.onCompleted();
        }
    }
}
