package io.meshfl.cli;

import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.meshfl.coordinator.Coordinator;
import io.meshfl.core.catalog.Catalog;
import io.meshfl.core.contract.DataContract;
import io.meshfl.core.trust.MeshIdentity;
import io.meshfl.core.trust.PrivateFiles;
import io.meshfl.core.trust.Signer;
import io.meshfl.core.trust.Submitter;
import io.meshfl.node.DomainNode;
import io.meshfl.wire.tls.CertificateAuthority;
import io.meshfl.wire.tls.MeshTls;
import io.meshfl.wire.tls.PeerPolicy;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * A whole mesh in one JVM for try-outs and single-machine runs: a coordinator and one node per
 * domain, each a real gRPC server on a loopback port, talking mutual TLS over real sockets with
 * certificates of a mesh CA, exactly as separate processes do. Without a {@code meshfl certs}
 * folder it keeps its own beside the node state ({@code <stateRoot>/../certs}, or a temporary
 * folder) with a certificate per domain and one for the operator ({@code client:operator}), who
 * signs the jobs run here; so every job is signed, every node checks its grants, and every run's
 * chains are sealed, as in a real deployment.
 */
public final class EmbeddedMesh implements AutoCloseable {

    /** The identity that signs jobs submitted to an embedded mesh. */
    public static final String OPERATOR = "operator";

    private final Coordinator coordinator;
    private final List<DomainNode> nodes = new ArrayList<>();
    private final List<ManagedChannel> channels = new ArrayList<>();
    private final Path temporaryCerts;
    private final Path certs;
    private final Consumer<String> log;

    public EmbeddedMesh(Catalog catalog, List<DataContract> contracts, Consumer<String> log) throws IOException {
        this(catalog, contracts, log, null);
    }

    /** @param stateRoot where each node keeps its model parts and journals ({@code <stateRoot>/<domain>}); null: memory only */
    public EmbeddedMesh(Catalog catalog, List<DataContract> contracts, Consumer<String> log, Path stateRoot) throws IOException {
        this(catalog, contracts, log, stateRoot, null);
    }

    /** @param tlsDir a {@code meshfl certs} folder with the coordinator's and every domain's certificate; null: the mesh's own */
    public EmbeddedMesh(Catalog catalog, List<DataContract> contracts, Consumer<String> log, Path stateRoot, Path tlsDir) throws IOException {
        this(catalog, contracts, log, stateRoot, tlsDir, (domain, node) -> { });
    }

    /**
     * @param setUp called with each domain's node before it starts serving, e.g. to wrap one of
     *              its protocols ({@link DomainNode#wrapProtocol})
     */
    public EmbeddedMesh(Catalog catalog, List<DataContract> contracts, Consumer<String> log, Path stateRoot, Path tlsDir,
                        java.util.function.BiConsumer<String, DomainNode> setUp) throws IOException {
        this.log = log;
        Map<String, List<DataContract>> byDomain = new TreeMap<>();
        for (DataContract c : contracts) byDomain.computeIfAbsent(c.domain(), k -> new ArrayList<>()).add(c);
        if (tlsDir != null) {
            temporaryCerts = null;
            certs = tlsDir;
        } else if (stateRoot != null) {
            temporaryCerts = null;
            certs = stateRoot.toAbsolutePath().normalize().resolveSibling("certs");
        } else {
            temporaryCerts = Files.createTempDirectory("meshfl-embedded-certs");
            certs = temporaryCerts;
        }
        provision(certs, byDomain.keySet());
        InetSocketAddress loopback = new InetSocketAddress("127.0.0.1", 0);
        MeshTls ctls = MeshTls.load(certs, MeshIdentity.Role.COORDINATOR, "coordinator").log(log);
        coordinator = new Coordinator(catalog, (domain, address) -> ctls.dial(address, PeerPolicy.domain(domain)), 1000, log, false)
                .transport("mutual TLS on loopback")
                .trust(ctls.ticketVerifier(), ctls.signer())
                .submitter(Submitter.of(operator(certs)))
                .start(ctls.server(loopback, PeerPolicy.anyMember()));
        for (var e : byDomain.entrySet()) {
            MeshTls ntls = MeshTls.load(certs, MeshIdentity.Role.DOMAIN, e.getKey()).log(log);
            DomainNode n = new DomainNode(e.getKey(), e.getValue(), log).trust(ntls.ca(), ntls.revocations(), ntls.signer()).ephemeral();
            setUp.accept(e.getKey(), n);
            n.start(ntls.server(loopback, PeerPolicy.coordinator()), null);
            if (stateRoot != null) n.stateDir(stateRoot.resolve(e.getKey()));
            ManagedChannel ch = ntls.dial("127.0.0.1:" + coordinator.port(), PeerPolicy.coordinator());
            channels.add(ch);
            n.joinCoordinator(ch);
            nodes.add(n);
        }
    }

    /**
     * Makes {@code dir} a mesh certificate folder for these domains: a CA if there is none, the
     * coordinator's and the operator's certificates, and a certificate for every domain that has
     * none yet. A folder without the CA's key (one made for a real mesh) is used as it is.
     */
    public static void provision(Path dir, Collection<String> domains) {
        if (!Files.exists(dir.resolve(CertificateAuthority.CA + ".pem"))) {
            CertificateAuthority ca = CertificateAuthority.create(dir, CertificateAuthority.KeyType.EC, "embedded", 3650);
            ca.issue(MeshIdentity.Role.COORDINATOR, "coordinator", 365);
        }
        if (!Files.exists(dir.resolve(CertificateAuthority.CA + "-key.pem"))) return;
        CertificateAuthority ca = null;
        if (!Files.exists(dir.resolve("client-" + OPERATOR + ".pem"))) {
            ca = CertificateAuthority.open(dir);
            ca.issue(MeshIdentity.Role.CLIENT, OPERATOR, 365);
        }
        for (String d : domains) {
            if (Files.exists(dir.resolve(d + ".pem"))) continue;
            if (ca == null) ca = CertificateAuthority.open(dir);
            ca.issue(MeshIdentity.Role.DOMAIN, d, 365);
        }
    }

    /** The operator's signing identity in a certificate folder. */
    static Signer operator(Path certs) {
        PrivateFiles.directory(certs, "key folder");
        return Signer.load(certs.resolve("client-" + OPERATOR + ".pem"), certs.resolve("client-" + OPERATOR + "-key.pem"));
    }

    /** A plaintext channel, for --insecure; see {@link MeshTls#dial} for mutual TLS. */
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

    /** The certificate folder this mesh runs with (its CA verifies the catalog's seals). */
    public Path certs() {
        return certs;
    }

    /**
     * A serving session of this mesh's domain {@code domain}, opened as {@code meshfl serve} opens one:
     * over loopback gRPC with the domain's certificate, under a ticket its key signs, its sealing key
     * signed for the parties and theirs checked against the mesh CA.
     */
    public io.meshfl.coordinator.ServingClient serve(String domain, String modelId, List<String> products,
                                                     io.meshfl.core.protocol.scoring.Missing missing) {
        MeshTls tls = MeshTls.load(certs, MeshIdentity.Role.DOMAIN, domain);
        ManagedChannel ch = tls.dial("127.0.0.1:" + coordinator.port(), PeerPolicy.coordinator());
        synchronized (channels) {
            channels.add(ch);
        }
        var stub = io.meshfl.proto.CoordinatorServiceGrpc.newBlockingStub(ch);
        var plan = stub.planPredict(io.meshfl.proto.PredictRequest.newBuilder().setModelId(modelId).addAllProducts(products).build());
        io.meshfl.core.trust.Signer key = io.meshfl.core.trust.Signer.load(certs.resolve(domain + ".pem"), certs.resolve(domain + "-key.pem"));
        var ticket = Submitter.of(key).sign(io.meshfl.coordinator.Tickets.draft("domain:" + domain, io.meshfl.core.trust.JobTicket.PREDICT,
                "serve-" + modelId, plan.getStrategy(), io.meshfl.coordinator.ServingClient.spec(modelId, products), plan.getProductsList().stream()
                        .map(p -> new io.meshfl.core.trust.JobTicket.ProductVersion(p.getId(), p.getVersion())).toList(), modelId));
        return io.meshfl.coordinator.ServingClient.open(stub::serve, modelId, products, ticket, missing,
                new io.meshfl.coordinator.ServingClient.Keys(key, tls.ca(), tls.revocations()));
    }

    @Override
    public void close() {
        // the parties hear how the last runs ended before they stop
        if (!coordinator.runner().awaitEnds(java.time.Duration.ofSeconds(10))) {
            log.accept("some nodes had not heard how their last run ended when the mesh stopped (their authorizations stay open)");
        }
        for (DomainNode n : nodes) n.close();
        for (ManagedChannel c : channels) c.shutdownNow();
        coordinator.close();
        if (temporaryCerts != null) {
            try (var files = Files.walk(temporaryCerts)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
            } catch (IOException e) {
                // a temporary folder left behind holds only this mesh's throw-away keys, readable by its owner alone
            }
        }
    }
}
