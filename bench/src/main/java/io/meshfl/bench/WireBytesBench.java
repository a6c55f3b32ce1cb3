package io.meshfl.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.meshfl.cli.EmbeddedMesh;
import io.meshfl.coordinator.Coordinator;
import io.meshfl.core.catalog.Catalog;
import io.meshfl.core.contract.DataContract;
import io.meshfl.core.plan.JobLoader;
import io.meshfl.node.DomainNode;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Bytes on the wire over raw parameter bytes for a model of about a million parameters (an MLP
 * 4 -> 1000 -> 1000 -> 1 on a few rows) over loopback gRPC. Twice: on {@link EmbeddedMesh},
 * reading the run report's counters; and on the same kind of mesh with a counting TCP relay in
 * front of every node, which also measures what the TCP connections carried.
 */
public final class WireBytesBench {

    static final int NODES = 3;
    static final int ROWS = 20;
    static final int FEATURES = 4;
    static final int ROUNDS = 3;
    static final String MODEL = "{type: mlp, hidden: [1000, 1000]}";
    static final long SEED = 23;

    private WireBytesBench() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Files.createTempDirectory("meshfl-bench-wire");
        List<DataContract> contracts = BenchData.writeProducts(dir, NODES, ROWS, FEATURES, SEED);
        String yaml = BenchData.job("bench-wire", NODES, ROUNDS, MODEL, SEED);

        ObjectNode embedded;
        try (Catalog cat = Catalog.inMemory("bench-wire-" + System.nanoTime());
             EmbeddedMesh mesh = new EmbeddedMesh(cat, contracts, s -> { })) {
            embedded = mesh.coordinator().runJob(JobLoader.parse(yaml, "bench"), yaml, BenchData.QUIET);
        }

        ObjectNode proxied;
        long tcpUp = 0;
        long tcpDown = 0;
        List<CountingProxy> proxies = new ArrayList<>();
        List<DomainNode> nodes = new ArrayList<>();
        List<ManagedChannel> channels = new ArrayList<>();
        try (Catalog cat = Catalog.inMemory("bench-wire-proxied-" + System.nanoTime())) {
            Coordinator coordinator = new Coordinator(cat, EmbeddedMesh::dial, 1000, s -> { })
                    .start(NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)));
            try {
                for (DataContract c : contracts) {
                    int nodePort = CountingProxy.freePort();
                    CountingProxy proxy = new CountingProxy(nodePort);
                    proxies.add(proxy);
                    // the node advertises the relay, so every coordinator-to-node call crosses it
                    DomainNode n = new DomainNode(c.domain(), List.of(c), s -> { })
                            .start(NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", nodePort)), "127.0.0.1:" + proxy.port());
                    nodes.add(n);
                    ManagedChannel ch = EmbeddedMesh.dial("127.0.0.1:" + coordinator.port());
                    channels.add(ch);
                    n.joinCoordinator(ch);
                }
                proxied = coordinator.runJob(JobLoader.parse(yaml, "bench"), yaml, BenchData.QUIET);
                for (CountingProxy p : proxies) {
                    tcpUp += p.bytesToTarget();
                    tcpDown += p.bytesFromTarget();
                }
            } finally {
                for (DomainNode n : nodes) n.close();
                for (ManagedChannel ch : channels) ch.shutdownNow();
                coordinator.close();
                for (CountingProxy p : proxies) p.close();
            }
        }
        BenchData.deleteTree(dir);

        long payload = proxied.path("payload_bytes").asLong();
        StringBuilder md = new StringBuilder();
        md.append(String.format(Locale.ROOT, "%d nodes x %d rows x %d features, model `%s` = %,d parameters (%.1f MB as float64), "
                        + "%d rounds of fit + evaluate on every node, FedAvg. payload_bytes counts the float64 tensor bytes of every "
                        + "request and reply; bytes_sent/received count the serialized gRPC messages with their 5-byte frame prefix.%n%n",
                NODES, ROWS, FEATURES, MODEL, embedded.path("plan").path("num_params").asLong(),
                embedded.path("plan").path("num_params").asLong() * 8 / 1e6, ROUNDS));
        md.append("| mesh | payload_bytes | bytes_sent | bytes_received | (sent+received) / payload | TCP bytes, both ways | TCP / payload |\n");
        md.append("|---|---:|---:|---:|---:|---:|---:|\n");
        md.append(row("`EmbeddedMesh` (loopback gRPC)", embedded, -1));
        md.append(row("same, with a counting TCP relay before each node", proxied, tcpUp + tcpDown));
        md.append(String.format(Locale.ROOT, "%nTarget: at most 1.05. The TCP column counts every byte of the coordinator-to-node "
                + "connections over the whole life of the mesh (HTTP/2 framing, headers, pings, window updates; not TCP/IP headers), "
                + "%,d bytes towards the nodes and %,d back; heartbeats go the other way, node to coordinator, and are not in it.%n",
                tcpUp, tcpDown));
        md.append(String.format(Locale.ROOT, "%n%s Payload per run: %,d bytes.%n", Docs.stamp(), payload));
        System.out.println(md);
        Docs.replaceBlock(Docs.docPath(args), "wire", md.toString());
    }

    private static String row(String name, JsonNode r, long tcp) {
        long payload = r.path("payload_bytes").asLong();
        long sent = r.path("bytes_sent").asLong();
        long received = r.path("bytes_received").asLong();
        return String.format(Locale.ROOT, "| %s | %,d | %,d | %,d | %.5f | %s | %s |%n", name, payload, sent, received,
                (double) (sent + received) / payload, tcp < 0 ? "-" : String.format(Locale.ROOT, "%,d", tcp),
                tcp < 0 ? "-" : String.format(Locale.ROOT, "%.5f", (double) tcp / payload));
    }
}
