package io.meshfl.wire;

import com.google.protobuf.ByteString;
import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.protocol.Message;
import io.meshfl.proto.Chunk;
import io.meshfl.proto.Error;
import io.meshfl.proto.Header;
import io.meshfl.proto.TensorInfo;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.function.Consumer;

/**
 * Turns a {@link Message} into a stream of chunks (header, then tensor bytes in slices of at
 * most {@link #CHUNK_BYTES}) and back. Tensors travel as raw little-endian float64 so the wire
 * carries barely more than the parameter bytes themselves.
 */
public final class EnvelopeCodec {

    /** Payload bytes per data chunk: well under gRPC's 4 MB default message limit. */
    public static final int CHUNK_BYTES = 1 << 20;

    private EnvelopeCodec() {
    }

    /** Emits the chunks of {@code m} in order; returns the serialized bytes emitted. */
    public static long encode(Message m, Consumer<Chunk> out) {
        Header.Builder h = Header.newBuilder().setJobId(m.jobId()).setRunId(m.runId()).setProtocol(m.protocol())
                .setStep(m.step()).setRound(m.round()).setSender(m.sender()).setReceiver(m.receiver())
                .putAllConfig(m.config()).putAllMetrics(m.metrics()).setSequence(m.sequence());
        for (var e : m.tensors().entrySet()) {
            h.addTensors(TensorInfo.newBuilder().setName(e.getKey()).setLength(e.getValue().length));
        }
        for (var e : m.blobs().entrySet()) {
            h.addBlobs(io.meshfl.proto.BlobInfo.newBuilder().setName(e.getKey()).setLength(e.getValue().length));
        }
        if (m.error() != null) {
            h.setError(Error.newBuilder().setCode(m.error().code().number()).setMessage(m.error().message()));
        }
        Chunk head = Chunk.newBuilder().setHeader(h).build();
        long bytes = head.getSerializedSize();
        out.accept(head);
        // Sized to the payload: small messages (most of a round with many nodes) must not allocate a whole chunk.
        long payload = m.payloadBytes();
        if (payload == 0) return bytes;
        ByteBuffer buf = ByteBuffer.allocate((int) Math.min(CHUNK_BYTES, payload + 8)).order(ByteOrder.LITTLE_ENDIAN);
        for (double[] t : m.tensors().values()) {
            int i = 0;
            while (i < t.length) {
                int n = Math.min(buf.remaining() / 8, t.length - i);
                buf.asDoubleBuffer().put(t, i, n);
                buf.position(buf.position() + n * 8);
                i += n;
                if (buf.remaining() < 8) bytes += flush(buf, out);
            }
        }
        for (byte[] b : m.blobs().values()) {
            int i = 0;
            while (i < b.length) {
                int n = Math.min(buf.remaining(), b.length - i);
                buf.put(b, i, n);
                i += n;
                if (!buf.hasRemaining()) bytes += flush(buf, out);
            }
        }
        if (buf.position() > 0) bytes += flush(buf, out);
        return bytes;
    }

    private static long flush(ByteBuffer buf, Consumer<Chunk> out) {
        buf.flip();
        Chunk c = Chunk.newBuilder().setData(ByteString.copyFrom(buf)).build();
        buf.clear();
        out.accept(c);
        return c.getSerializedSize();
    }

    /** Rebuilds one message from its chunks, fed one at a time. */
    public static final class Assembler {
        private Header header;
        private double[][] tensors;
        private byte[][] blobs;
        private int blobIdx;
        private int blobPos;
        private int tensorIdx;
        private int valueIdx;
        private final ByteBuffer carry = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        private long bytes;

        /** Feeds a chunk; returns true once the message is complete. */
        public boolean accept(Chunk c) {
            bytes += c.getSerializedSize();
            if (c.hasHeader()) {
                if (header != null) throw new MeshflException(ErrorCode.OUT_OF_ORDER, "second header inside one message");
                header = c.getHeader();
                tensors = new double[header.getTensorsCount()][];
                for (int i = 0; i < tensors.length; i++) {
                    long len = header.getTensors(i).getLength();
                    if (len < 0 || len > Integer.MAX_VALUE - 8) {
                        throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "tensor '" + header.getTensors(i).getName()
                                + "' declares an impossible length " + len);
                    }
                    tensors[i] = new double[(int) len];
                }
                blobs = new byte[header.getBlobsCount()][];
                for (int i = 0; i < blobs.length; i++) {
                    long len = header.getBlobs(i).getLength();
                    if (len < 0 || len > Integer.MAX_VALUE - 8) {
                        throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "blob '" + header.getBlobs(i).getName()
                                + "' declares an impossible length " + len);
                    }
                    blobs[i] = new byte[(int) len];
                }
                skipEmpty();
                return done();
            }
            if (header == null) throw new MeshflException(ErrorCode.OUT_OF_ORDER, "data chunk before the message header");
            ByteBuffer b = c.getData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            while (b.hasRemaining()) {
                if (tensorIdx >= tensors.length) {
                    if (blobIdx >= blobs.length) {
                        throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "more payload bytes than the header declares");
                    }
                    int n = Math.min(b.remaining(), blobs[blobIdx].length - blobPos);
                    b.get(blobs[blobIdx], blobPos, n);
                    blobPos += n;
                    skipEmpty();
                    continue;
                }
                if (carry.position() > 0 || b.remaining() < 8) {
                    while (carry.hasRemaining() && b.hasRemaining()) carry.put(b.get());
                    if (carry.hasRemaining()) break;
                    carry.flip();
                    put(carry.getDouble());
                    carry.clear();
                    continue;
                }
                double[] t = tensors[tensorIdx];
                int n = Math.min(b.remaining() / 8, t.length - valueIdx);
                b.asDoubleBuffer().get(t, valueIdx, n);
                b.position(b.position() + n * 8);
                valueIdx += n;
                skipEmpty();
            }
            return done();
        }

        private void put(double v) {
            tensors[tensorIdx][valueIdx++] = v;
            skipEmpty();
        }

        private void skipEmpty() {
            while (tensorIdx < tensors.length && valueIdx >= tensors[tensorIdx].length) {
                tensorIdx++;
                valueIdx = 0;
            }
            while (tensorIdx >= tensors.length && blobIdx < blobs.length && blobPos >= blobs[blobIdx].length) {
                blobIdx++;
                blobPos = 0;
            }
        }

        public boolean done() {
            return header != null && tensorIdx >= tensors.length && blobIdx >= blobs.length;
        }

        public long bytes() {
            return bytes;
        }

        public Message message() {
            if (!done()) {
                throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "message "
                        + (header == null ? "without header" : header.getProtocol() + "/" + header.getStep()) + " ended early");
            }
            var ts = new java.util.LinkedHashMap<String, double[]>();
            for (int i = 0; i < tensors.length; i++) ts.put(header.getTensors(i).getName(), tensors[i]);
            Message.ErrorInfo err = header.hasError()
                    ? new Message.ErrorInfo(ErrorCode.ofNumber(header.getError().getCode()), header.getError().getMessage()) : null;
            var bs = new java.util.LinkedHashMap<String, byte[]>();
            for (int i = 0; i < blobs.length; i++) bs.put(header.getBlobs(i).getName(), blobs[i]);
            return new Message(header.getJobId(), header.getRunId(), header.getProtocol(), header.getStep(), header.getRound(),
                    header.getSender(), header.getReceiver(), header.getConfigMap(), header.getMetricsMap(), ts, err,
                    header.getSequence(), bs);
        }
    }
}
