package io.meshfl.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.meshfl.cli.EmbeddedMesh;
import io.meshfl.coordinator.Coordinator;
import io.meshfl.core.catalog.Catalog;
import io.meshfl.core.contract.DataContract;
import io.meshfl.core.plan.JobLoader;
import io.meshfl.proto.CoordinatorServiceGrpc;
import io.meshfl.proto.NodeInfo;
import io.meshfl.wire.tls.CertificateAuthority;
import io.meshfl.core.trust.MeshIdentity.Role;
import io.meshfl.wire.tls.MeshTls;
import io.meshfl.wire.tls.PeerPolicy;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * What mutual TLS costs: (1) connect + handshake + one Register call on a fresh channel, plaintext
 * against mTLS; (2) the round time of {@link RoundTimeBench}'s job on an {@link EmbeddedMesh}
 * in plaintext and one with certificates, side by side in one JVM with their jobs alternating.
 */
public final class TlsBench {

    static final int CONNECTS = 200;
    static final int CONNECT_WARMUP = 50;
    static final int JOBS = 5;

    private TlsBench() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Files.createTempDirectory("meshfl-bench-tls");
        Path certs = dir.resolve("certs");
        CertificateAuthority ca = CertificateAuthority.create(certs, CertificateAuthority.KeyType.EC, "bench", 1);
        ca.issue(Role.COORDINATOR, "coordinator", 1);
        List<DataContract> contracts = BenchData.writeProducts(dir, RoundTimeBench.NODES, RoundTimeBench.ROWS, RoundTimeBench.FEATURES, RoundTimeBench.SEED);
        for (String d : contracts.stream().map(DataContract::domain).distinct().toList()) ca.issue(Role.DOMAIN, d, 1);
        String domain = contracts.get(0).domain();

        List<Double> plainConnect = new ArrayList<>();
        List<Double> tlsConnect = new ArrayList<>();
        connects(certs, domain, plainConnect, tlsConnect);

        String yaml = BenchData.job("bench-tls", RoundTimeBench.NODES, RoundTimeBench.ROUNDS, "{type: logistic}", RoundTimeBench.SEED);
        var spec = JobLoader.parse(yaml, "bench");
        List<Double> plain = new ArrayList<>();
        List<Double> tls = new ArrayList<>();
        double plainWall = 0;
        double tlsWall = 0;
        try (Catalog c1 = Catalog.inMemory("bench-tls-plain-" + System.nanoTime());
             Catalog c2 = Catalog.inMemory("bench-tls-mtls-" + System.nanoTime());
             EmbeddedMesh p = new EmbeddedMesh(c1, contracts, s -> { });
             EmbeddedMesh t = new EmbeddedMesh(c2, contracts, s -> { }, null, certs)) {
            for (int i = 0; i < RoundTimeBench.WARMUP + JOBS; i++) {
                JsonNode a = p.coordinator().runJob(spec, yaml, BenchData.QUIET);
                JsonNode b = t.coordinator().runJob(spec, yaml, BenchData.QUIET);
                if (i < RoundTimeBench.WARMUP) continue;
                plain.addAll(RoundTimeBench.seconds(a));
                tls.addAll(RoundTimeBench.seconds(b));
                plainWall += a.path("wall_seconds").asDouble();
                tlsWall += b.path("wall_seconds").asDouble();
            }
        }
        BenchData.deleteTree(dir);

        StringBuilder md = new StringBuilder();
        md.append(String.format(Locale.ROOT, "Connect: a new channel to the coordinator on 127.0.0.1, TCP connect + (mTLS: TLS 1.3 handshake, "
                + "EC P-256 certificates both ways, the client's SSL context built from the PEM files as `meshfl node` does) + one `Register` call, "
                + "until the reply; %d of each measured after %d warm-up, plaintext and mTLS alternating, one at a time.%n%n",
                CONNECTS, CONNECT_WARMUP));
        md.append("| transport | median ms | p95 ms | mean ms | min ms |\n|---|---:|---:|---:|---:|\n");
        connectRow(md, "plaintext (`--insecure`)", plainConnect);
        connectRow(md, "mutual TLS (`--tls-dir`)", tlsConnect);
        md.append(String.format(Locale.ROOT, "%nRounds: the job of benchmark 3 (%d nodes x %d rows x %d features, logistic), on two `EmbeddedMesh`es "
                        + "side by side, jobs alternating: %d warm-up jobs of %d rounds on each, then %d measured jobs on each (%d rounds pooled). "
                        + "Channels stay open across rounds, so a round pays no handshake.%n%n",
                RoundTimeBench.NODES, RoundTimeBench.ROWS, RoundTimeBench.FEATURES, RoundTimeBench.WARMUP, RoundTimeBench.ROUNDS, JOBS,
                JOBS * RoundTimeBench.ROUNDS));
        md.append("| transport | median round ms | p95 round ms | mean ms | mean job wall s |\n|---|---:|---:|---:|---:|\n");
        roundRow(md, "plaintext", plain, plainWall / JOBS);
        roundRow(md, "mutual TLS", tls, tlsWall / JOBS);
        md.append('\n').append(Docs.stamp()).append('\n');
        System.out.println(md);
        Docs.replaceBlock(Docs.docPath(args), "tls", md.toString());
    }

    /** Milliseconds per fresh connection + Register on a plaintext and an mTLS coordinator, alternating. */
    private static void connects(Path certs, String domain, List<Double> plainMs, List<Double> tlsMs) throws Exception {
        MeshTls ctls = MeshTls.load(certs, Role.COORDINATOR, "coordinator");
        MeshTls ntls = MeshTls.load(certs, Role.DOMAIN, domain);
        InetSocketAddress at = new InetSocketAddress("127.0.0.1", 0);
        try (Catalog c1 = Catalog.inMemory("bench-connect-plain-" + System.nanoTime());
             Catalog c2 = Catalog.inMemory("bench-connect-tls-" + System.nanoTime());
             Coordinator plain = new Coordinator(c1, EmbeddedMesh::dial, 60_000, s -> { }).start(NettyServerBuilder.forAddress(at));
             Coordinator tls = new Coordinator(c2, (d, a) -> ctls.dial(a, PeerPolicy.domain(d)), 60_000, s -> { })
                     .start(ctls.server(at, PeerPolicy.anyMember()))) {
            for (int i = 0; i < CONNECT_WARMUP + CONNECTS; i++) {
                double p = connect(() -> EmbeddedMesh.dial("127.0.0.1:" + plain.port()), domain, i);
                double t = connect(() -> ntls.dial("127.0.0.1:" + tls.port(), PeerPolicy.coordinator()), domain, i);
                if (i < CONNECT_WARMUP) continue;
                plainMs.add(p);
                tlsMs.add(t);
            }
        }
    }

    /** Time from building a channel to the Register reply: TCP connect, handshake (if TLS) and one call. */
    private static double connect(java.util.function.Supplier<ManagedChannel> dial, String domain, int i) throws InterruptedException {
        long t0 = System.nanoTime();
        ManagedChannel ch = dial.get();
        var reply = CoordinatorServiceGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS)
                .register(NodeInfo.newBuilder().setNodeId(domain + "-" + i).setDomain(domain).setAddress("127.0.0.1:1").build());
        long t1 = System.nanoTime();
        ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        if (!reply.getAccepted()) throw new IllegalStateException("registration refused: " + reply.getMessage());
        return (t1 - t0) / 1e6;
    }

    private static void connectRow(StringBuilder md, String name, List<Double> ms) {
        md.append(String.format(Locale.ROOT, "| %s | %.2f | %.2f | %.2f | %.2f |%n", name, Stats.median(ms), Stats.percentile(ms, 95),
                Stats.mean(ms), Stats.min(ms)));
    }

    private static void roundRow(StringBuilder md, String name, List<Double> s, double wall) {
        md.append(String.format(Locale.ROOT, "| %s | %.2f | %.2f | %.2f | %.2f |%n", name, 1e3 * Stats.median(s),
                1e3 * Stats.percentile(s, 95), 1e3 * Stats.mean(s), wall));
    }
}
