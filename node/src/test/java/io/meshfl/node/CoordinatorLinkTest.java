package io.meshfl.node;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.meshfl.proto.CoordinatorServiceGrpc;
import io.meshfl.proto.HeartbeatReply;
import io.meshfl.proto.HeartbeatRequest;
import io.meshfl.proto.NodeInfo;
import io.meshfl.proto.RegisterReply;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** A node's line to its coordinator across the coordinator's absence. */
class CoordinatorLinkTest {

    /** A coordinator that accepts every node and counts registrations. */
    private static final class Coordinator extends CoordinatorServiceGrpc.CoordinatorServiceImplBase {
        final AtomicInteger registrations = new AtomicInteger();

        @Override
        public void register(NodeInfo request, StreamObserver<RegisterReply> out) {
            registrations.incrementAndGet();
            out.onNext(RegisterReply.newBuilder().setAccepted(true).setHeartbeatMillis(200).build());
            out.onCompleted();
        }

        @Override
        public void heartbeat(HeartbeatRequest request, StreamObserver<HeartbeatReply> out) {
            out.onNext(HeartbeatReply.newBuilder().setKnown(true).build());
            out.onCompleted();
        }
    }

    private static Server serve(int port, Coordinator c) throws Exception {
        return NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port)).addService(c).build().start();
    }

    /**
     * A coordinator away for 20 s: gRPC's own reconnect back-off has grown to several seconds by
     * then; the node registers again within a few heartbeats of the coordinator's return anyway.
     */
    @Test
    void aNodeRegistersAgainSoonAfterACoordinatorThatWasAwayLongComesBack() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Coordinator first = new Coordinator();
        Server server = serve(port, first);
        ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
        ScheduledExecutorService beats = Executors.newSingleThreadScheduledExecutor();
        try {
            CoordinatorLink link = new CoordinatorLink(List.of(ch), List.of("127.0.0.1:" + port),
                    NodeInfo.newBuilder().setNodeId("n1").setDomain("lending").build(), s -> { });
            link.beat(beats, link.join(Duration.ofSeconds(10)), "n1", "lending");
            server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            Thread.sleep(20_000);
            Coordinator back = new Coordinator();
            server = serve(port, back);
            long t0 = System.nanoTime();
            while (back.registrations.get() == 0 && System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(15)) Thread.sleep(50);
            double seconds = (System.nanoTime() - t0) / 1e9;
            assertTrue(back.registrations.get() > 0 && seconds < 3, "registered again " + seconds + " s after the coordinator came back");
            link.stop();
        } finally {
            beats.shutdownNow();
            ch.shutdownNow();
            server.shutdownNow();
        }
    }
}
