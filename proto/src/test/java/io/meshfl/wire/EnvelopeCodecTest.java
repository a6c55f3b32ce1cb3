package io.meshfl.wire;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.protocol.Message;
import io.meshfl.proto.Chunk;
import io.meshfl.proto.NodeServiceGrpc;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EnvelopeCodecTest {

    private Server server;
    private ManagedChannel channel;

    @AfterEach
    void stop() {
        if (channel != null) channel.shutdownNow();
        if (server != null) server.shutdownNow();
    }

    private static double[] random(int n, long seed) {
        Random r = new Random(seed);
        double[] a = new double[n];
        for (int i = 0; i < n; i++) a[i] = r.nextGaussian();
        return a;
    }

    private static Message sample(int... sizes) {
        Map<String, double[]> t = new LinkedHashMap<>();
        for (int i = 0; i < sizes.length; i++) t.put("t" + i, random(sizes[i], i));
        return new Message("job", "run", "horizontal", "fit", 3, "coordinator", "a", Map.of("lr", "0.1"),
                Map.of("loss", 0.5), t, null, 7);
    }

    @Test
    void roundTripsTensorsAcrossChunkBoundaries() {
        Message m = sample(0, 1, EnvelopeCodec.CHUNK_BYTES / 8 + 3, 5, 0, 200_000);
        List<Chunk> chunks = new ArrayList<>();
        EnvelopeCodec.encode(m, chunks::add);
        assertTrue(chunks.size() > 2);
        EnvelopeCodec.Assembler asm = new EnvelopeCodec.Assembler();
        boolean done = false;
        for (Chunk c : chunks) done = asm.accept(c);
        assertTrue(done);
        Message back = asm.message();
        assertEquals(m.config(), back.config());
        assertEquals(m.metrics(), back.metrics());
        assertEquals(m.sequence(), back.sequence());
        assertEquals(m.tensors().keySet(), back.tensors().keySet());
        for (String k : m.tensors().keySet()) assertArrayEquals(m.tensors().get(k), back.tensors().get(k));
    }

    @Test
    void roundTripsBlobsAfterTensors() {
        byte[] small = {1, 2, 3};
        byte[] big = new byte[EnvelopeCodec.CHUNK_BYTES + 17];
        new Random(3).nextBytes(big);
        Message m = sample(3, 0).withBlobs(Map.of("small", small, "empty", new byte[0], "big", big));
        List<Chunk> chunks = new ArrayList<>();
        EnvelopeCodec.encode(m, chunks::add);
        EnvelopeCodec.Assembler asm = new EnvelopeCodec.Assembler();
        boolean done = false;
        for (Chunk c : chunks) done = asm.accept(c);
        assertTrue(done);
        Message back = asm.message();
        assertArrayEquals(small, back.blob("small"));
        assertArrayEquals(big, back.blob("big"));
        assertEquals(0, back.blob("empty").length);
        assertArrayEquals(m.tensor("t0"), back.tensor("t0"));
    }

    @Test
    void dataBeforeHeaderIsRefusedAsOutOfOrder() {
        List<Chunk> chunks = new ArrayList<>();
        EnvelopeCodec.encode(sample(10), chunks::add);
        var e = assertThrows(MeshflException.class, () -> new EnvelopeCodec.Assembler().accept(chunks.get(1)));
        assertEquals(ErrorCode.OUT_OF_ORDER, e.code());
    }

    @Test
    void wireBytesStayWithinFivePercentOfParameterBytes() {
        Message m = sample(1_000_000);
        long[] bytes = {0};
        long total = EnvelopeCodec.encode(m, c -> bytes[0] += c.getSerializedSize() + GrpcNodeChannel.FRAME);
        assertTrue(total > 8_000_000);
        double ratio = (double) bytes[0] / m.payloadBytes();
        assertTrue(ratio < 1.05, "ratio " + ratio);
    }

    private GrpcNodeChannel serve(Function<Message, Message> handler) throws Exception {
        String name = InProcessServerBuilder.generateName();
        server = InProcessServerBuilder.forName(name).directExecutor().addService(new NodeServiceGrpc.NodeServiceImplBase() {
            @Override
            public StreamObserver<Chunk> call(StreamObserver<Chunk> out) {
                return new NodeCallHandler(out, "node-a", handler);
            }
        }).build().start();
        channel = InProcessChannelBuilder.forName(name).directExecutor().build();
        return new GrpcNodeChannel("node-a", "a", channel, false);
    }

    @Test
    void updateAboveGrpcDefaultLimitCrossesInChunks() throws Exception {
        GrpcNodeChannel ch = serve(req -> req.reply("node-a", Map.of("n", 1.0), Map.of("params", req.tensor("params"))));
        double[] big = random(1_500_000, 1); // 12 MB, three times gRPC's 4 MB default message limit
        Message reply = ch.call(Message.request("j", "r", "horizontal", "fit", 1, "a").withTensors(Map.of("params", big)),
                Duration.ofSeconds(30));
        assertArrayEquals(big, reply.tensor("params"));
        assertTrue(ch.bytesSent() > 12_000_000 && ch.bytesReceived() > 12_000_000);
    }

    @Test
    void exceptionOnTheNodeComesBackAsAnErrorReply() throws Exception {
        GrpcNodeChannel ch = serve(req -> {
            throw new MeshflException(ErrorCode.POLICY_VIOLATION, "column 'ssn' is not allowed");
        });
        Message reply = ch.call(Message.request("j", "r", "horizontal", "fit", 1, "a"), Duration.ofSeconds(5));
        assertTrue(reply.failed());
        assertEquals(ErrorCode.POLICY_VIOLATION, reply.error().code());
        assertTrue(reply.error().message().contains("ssn"));
        var e = assertThrows(MeshflException.class, reply::orThrow);
        assertEquals(ErrorCode.POLICY_VIOLATION, e.code());
    }

    @Test
    void unreachableNodeIsReportedLost() throws Exception {
        GrpcNodeChannel ch = serve(req -> req.reply("node-a", Map.of(), Map.of()));
        server.shutdownNow();
        server.awaitTermination();
        var e = assertThrows(MeshflException.class, () -> ch.call(Message.request("j", "r", "horizontal", "fit", 1, "a"),
                Duration.ofSeconds(5)));
        assertEquals(ErrorCode.NODE_LOST, e.code());
    }
}
