package io.meshfl.cli;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.meshfl.coordinator.Coordinator;
import io.meshfl.core.catalog.Catalog;
import io.meshfl.core.contract.DataContract;
import io.meshfl.node.DomainNode;
import io.meshfl.wire.tls.MeshIdentity;
import io.meshfl.wire.tls.MeshTls;
import io.meshfl.wire.tls.PeerPolicy;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * A whole mesh in one JVM for try-outs and single-machine runs: a coordinator and one node per
 * domain, each a real gRPC server on a loopback port, talking over real sockets. Plaintext by
 * default: every party is this one process, so certificates would prove nothing to anyone; given
 * a {@code meshfl certs} folder it runs mutual TLS exactly as separate processes do (tests, benchmarks).
 */
public final class EmbeddedMesh implements AutoCloseable {

    private final Coordinator coordinator;
    private final List<DomainNode> nodes = new ArrayList<>();
    private final List<ManagedChannel> channels = new ArrayList<>();

    public EmbeddedMesh(Catalog catalog, List<DataContract> contracts, Consumer<String> log) throws IOException {
        this(catalog, contracts, log, null);
    }

    /** @param stateRoot where each node keeps its model parts and outputs ({@code <stateRoot>/<domain>}); null: memory only */
    public EmbeddedMesh(Catalog catalog, List<DataContract> contracts, Consumer<String> log, java.nio.file.Path stateRoot) throws IOException {
        this(catalog, contracts, log, stateRoot, null);
    }

    /** @param tlsDir a {@code meshfl certs} folder with the coordinator's and every domain's certificate; null: plaintext */
    public EmbeddedMesh(Catalog catalog, List<DataContract> contracts, Consumer<String> log, java.nio.file.Path stateRoot,
                        java.nio.file.Path tlsDir) throws IOException {
        this(catalog, contracts, log, stateRoot, tlsDir, (domain, node) -> { });
    }

    /**
     * @param setUp called with each domain's node before it starts serving, e.g. to wrap one of
     *              its protocols ({@link DomainNode#wrapProtocol})
     */
    public EmbeddedMesh(Catalog catalog, List<DataContract> contracts, Consumer<String> log, java.nio.file.Path stateRoot,
                        java.nio.file.Path tlsDir, java.util.function.BiConsumer<String, DomainNode> setUp) throws IOException {
        InetSocketAddress loopback = new InetSocketAddress("127.0.0.1", 0);
        MeshTls ctls = tlsDir == null ? null : MeshTls.load(tlsDir, MeshIdentity.Role.COORDINATOR, "coordinator");
        coordinator = ctls == null
                ? new Coordinator(catalog, EmbeddedMesh::dial, 1000, log).transport("plaintext gRPC on loopback")
                        .start(NettyServerBuilder.forAddress(loopback))
                : new Coordinator(catalog, (domain, address) -> ctls.dial(address, PeerPolicy.domain(domain)), 1000, log).transport("mutual TLS")
                        .start(ctls.server(loopback, PeerPolicy.anyMember()));
        Map<String, List<DataContract>> byDomain = new TreeMap<>();
        for (DataContract c : contracts) byDomain.computeIfAbsent(c.domain(), k -> new ArrayList<>()).add(c);
        for (var e : byDomain.entrySet()) {
            MeshTls ntls = tlsDir == null ? null : MeshTls.load(tlsDir, MeshIdentity.Role.DOMAIN, e.getKey());
            DomainNode n = new DomainNode(e.getKey(), e.getValue(), log);
            setUp.accept(e.getKey(), n);
            n.start(ntls == null ? NettyServerBuilder.forAddress(loopback) : ntls.server(loopback, PeerPolicy.coordinator()), null);
            if (stateRoot != null) n.stateDir(stateRoot.resolve(e.getKey()));
            String target = "127.0.0.1:" + coordinator.port();
            ManagedChannel ch = ntls == null ? dial(target) : ntls.dial(target, PeerPolicy.coordinator());
            channels.add(ch);
            n.joinCoordinator(ch);
            nodes.add(n);
        }
    }

    /** A plaintext channel, for the embedded mesh and --insecure; see {@link MeshTls#dial} for mutual TLS. */
    public static ManagedChannel dial(String address) {
        // Replies only complete a future or feed a stream: cheap enough to run on the transport thread.
        return ManagedChannelBuilder.forTarget(address).usePlaintext().directExecutor().build();
    }

    public Coordinator coordinator() {
        return coordinator;
    }

    public List<DomainNode> nodes() {
        return List.copyOf(nodes);
    }

    @Override
    public void close() {
        for (DomainNode n : nodes) n.close();
        for (ManagedChannel c : channels) c.shutdownNow();
        coordinator.close();
    }
}
