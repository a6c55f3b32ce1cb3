package io.meshfl.coordinator;

import io.grpc.ManagedChannel;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.meshfl.core.catalog.Catalog;
import io.meshfl.core.contract.ContractLoader;
import io.meshfl.core.contract.DataContract;
import io.meshfl.node.DomainNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/** A mesh of in-process nodes over seeded logistic data, for tests and simulation. */
final class TestMesh implements AutoCloseable {

    final Coordinator coordinator;
    final List<DomainNode> nodes = new ArrayList<>();
    final Catalog catalog;
    private final List<ManagedChannel> channels = new ArrayList<>();
    private String coordName;
    /** The mesh CA's certificates folder once {@link #trusted} was called; null on a plaintext mesh. */
    private Path certs;
    private io.meshfl.wire.tls.CertificateAuthority ca;

    /** Writes {@code domains} products d0.loans, d1.loans, ... of {@code rows} rows each under {@code dir}. */
    static List<DataContract> writeProducts(Path dir, int domains, int rows, int features, long seed) throws IOException {
        Random rng = new Random(seed);
        double[] w = new double[features];
        for (int j = 0; j < features; j++) w[j] = rng.nextGaussian();
        List<DataContract> out = new ArrayList<>();
        for (int d = 0; d < domains; d++) {
            StringBuilder csv = new StringBuilder("id");
            for (int j = 0; j < features; j++) csv.append(",f").append(j);
            csv.append(",y\n");
            for (int i = 0; i < rows; i++) {
                double z = 0.3 * d;
                csv.append("d").append(d).append('-').append(i);
                for (int j = 0; j < features; j++) {
                    double x = rng.nextGaussian() * (1 + j) + d;
                    z += w[j] * (x - d) / (1 + j);
                    csv.append(',').append(String.format(Locale.ROOT, "%.5f", x));
                }
                csv.append(',').append(rng.nextDouble() < 1 / (1 + Math.exp(-2 * z)) ? 1 : 0).append('\n');
            }
            Files.writeString(dir.resolve("d" + d + ".csv"), csv);
            StringBuilder props = new StringBuilder("      - {name: id, logicalType: string, primaryKey: true, classification: pii}\n");
            for (int j = 0; j < features; j++) props.append("      - {name: f").append(j).append(", logicalType: number}\n");
            props.append("      - {name: y, logicalType: integer}\n");
            String yaml = """
                    apiVersion: v3.0.2
                    kind: DataContract
                    id: d%1$d.loans
                    version: 1.0.0
                    domain: d%1$d
                    dataProduct: loans
                    servers:
                      - {server: local, type: csv, path: d%1$d.csv}
                    schema:
                      - name: loans
                        properties:
                    %2$smeshfl:
                      entityKey: id
                      consumers: [{identity: 'client:operator'}]
                      label: y
                    """.formatted(d, props);
            Path file = dir.resolve("d" + d + ".loans.yaml");
            Files.writeString(file, yaml);
            out.add(ContractLoader.load(file));
        }
        return out;
    }

    TestMesh(List<DataContract> contracts, int heartbeatMillis) throws IOException {
        this(contracts.stream().map(List::of).toList(), heartbeatMillis, s -> { }, List.of());
    }

    /** As {@link #TestMesh(List, int)}, the coordinator logging to {@code log} and calling its nodes through {@code toNodes}. */
    static TestMesh watched(List<DataContract> contracts, int heartbeatMillis, java.util.function.Consumer<String> log,
                            io.grpc.ClientInterceptor toNodes) throws IOException {
        return new TestMesh(contracts.stream().map(List::of).toList(), heartbeatMillis, log, List.of(toNodes));
    }

    /** A node per domain serving all of that domain's products. */
    static TestMesh byDomain(List<DataContract> contracts, int heartbeatMillis) throws IOException {
        java.util.Map<String, List<DataContract>> by = new java.util.LinkedHashMap<>();
        for (DataContract c : contracts) by.computeIfAbsent(c.domain(), d -> new ArrayList<>()).add(c);
        return new TestMesh(new ArrayList<>(by.values()), heartbeatMillis, s -> { }, List.of());
    }

    /** A node per list of products, all of one domain. */
    private TestMesh(List<List<DataContract>> perNode, int heartbeatMillis, java.util.function.Consumer<String> log,
                     List<io.grpc.ClientInterceptor> toNodes) throws IOException {
        catalog = Catalog.inMemory("mesh-" + System.nanoTime());
        coordName = InProcessServerBuilder.generateName();
        coordinator = new Coordinator(catalog, addr -> InProcessChannelBuilder.forName(addr).intercept(toNodes).build(), heartbeatMillis, log)
                .transport("in-process gRPC")
                .start(InProcessServerBuilder.forName(coordName));
        for (List<DataContract> cs : perNode) {
            String name = InProcessServerBuilder.generateName();
            DomainNode n = new DomainNode(cs.get(0).domain(), cs, s -> { }).start(InProcessServerBuilder.forName(name), name);
            ManagedChannel ch = InProcessChannelBuilder.forName(coordName).build();
            channels.add(ch);
            n.joinCoordinator(ch);
            nodes.add(n);
        }
    }

    /** A channel to the coordinator's gRPC service, as a client outside its process dials it. */
    ManagedChannel dialCoordinator() {
        ManagedChannel ch = InProcessChannelBuilder.forName(coordName).build();
        channels.add(ch);
        return ch;
    }

    /**
     * Has the coordinator and every node, also those started later, check tickets against the mesh
     * CA of {@code ca} (certificates under {@code certs}), each node signing as its domain: a
     * certificate per domain is issued here.
     */
    TestMesh trusted(io.meshfl.wire.tls.CertificateAuthority ca, Path certs) {
        this.ca = ca;
        this.certs = certs;
        coordinator.trust(io.meshfl.core.trust.TicketVerifier.of(ca.certificate(), revocations()), null);
        for (DomainNode n : nodes) trust(n);
        return this;
    }

    private io.meshfl.core.trust.Revocations revocations() {
        return new io.meshfl.core.trust.Revocations(certs.resolve(io.meshfl.wire.tls.CertificateAuthority.CRL), ca.certificate());
    }

    private DomainNode trust(DomainNode n) {
        if (ca == null) return n;
        if (!Files.exists(certs.resolve(n.domain() + ".pem"))) ca.issue(io.meshfl.core.trust.MeshIdentity.Role.DOMAIN, n.domain(), 5);
        return n.trust(ca.certificate(), revocations(), io.meshfl.core.trust.Signer.load(certs.resolve(n.domain() + ".pem"),
                certs.resolve(n.domain() + "-key.pem")));
    }

    /**
     * The domain publishes a new version of its product: its node stops, and a node serving
     * {@code c} starts and registers with the coordinator, as a redeployed node would.
     */
    DomainNode republish(DataContract c) throws IOException {
        DomainNode old = nodes.stream().filter(n -> n.domain().equals(c.domain())).findFirst().orElseThrow();
        old.close();
        nodes.remove(old);
        String name = InProcessServerBuilder.generateName();
        DomainNode n = trust(new DomainNode(c.domain(), List.of(c), s -> { })).start(InProcessServerBuilder.forName(name), name);
        ManagedChannel ch = InProcessChannelBuilder.forName(coordName).build();
        channels.add(ch);
        n.joinCoordinator(ch);
        nodes.add(n);
        return n;
    }

    /**
     * Opens run {@code runId} of job {@code jobId} on every node, as the job runner does before a
     * protocol starts: for tests that drive a protocol's runner on the nodes' channels themselves.
     */
    void open(String jobId, String runId, String strategy) {
        List<io.meshfl.core.trust.JobTicket.ProductVersion> products = new ArrayList<>();
        for (var p : catalog.products()) products.add(new io.meshfl.core.trust.JobTicket.ProductVersion(p.id(), p.version()));
        var ticket = io.meshfl.core.trust.SignedTicket.unsigned(new io.meshfl.core.trust.JobTicket(io.meshfl.core.trust.JobTicket.VERSION,
                "client:operator", io.meshfl.core.trust.JobTicket.TRAIN, jobId, strategy, "0".repeat(64),
                io.meshfl.core.trust.JobTicket.freshNonce(), products, null, System.currentTimeMillis()));
        for (DomainNode n : nodes) {
            var reply = n.handle(io.meshfl.core.protocol.Message.request(jobId, runId, io.meshfl.core.protocol.session.SessionSteps.PROTOCOL,
                    io.meshfl.core.protocol.session.SessionSteps.AUTHORIZE, 0, n.domain()).withBlobs(java.util.Map.of("ticket", ticket.encode())));
            if (reply.failed()) throw new IllegalStateException(reply.error().message());
        }
    }

    static String job(int domains, int rounds, int minNodes, String extra) {
        StringBuilder products = new StringBuilder();
        for (int d = 0; d < domains; d++) products.append(d == 0 ? "" : ", ").append("d").append(d).append(".loans");
        return """
                name: test-job
                products: [%s]
                label: y
                model: {type: logistic}
                aggregator: {name: fedavg, minNodes: %d}
                local: {epochs: 1, batchSize: 32, lr: 0.1}
                rounds: %d
                roundTimeoutSeconds: 20
                evaluation: {holdout: 0.2}
                seed: 5
                %s
                """.formatted(products, minNodes, rounds, extra);
    }

    @Override
    public void close() {
        for (DomainNode n : nodes) n.close();
        for (ManagedChannel c : channels) c.shutdownNow();
        coordinator.close();
        catalog.close();
    }
}
