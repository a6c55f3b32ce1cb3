package io.meshfl.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.grpc.ManagedChannel;
import io.grpc.Grpc;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.netty.shaded.io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.meshfl.coordinator.Coordinator;
import io.meshfl.core.MeshflException;
import io.meshfl.core.catalog.Catalog;
import io.meshfl.core.contract.ContractLoader;
import io.meshfl.core.contract.DataContract;
import io.meshfl.core.plan.JobLoader;
import io.meshfl.node.DomainNode;
import io.meshfl.proto.CoordinatorServiceGrpc;
import io.meshfl.proto.DescribeRequest;
import io.meshfl.proto.NodeInfo;
import io.meshfl.proto.NodeServiceGrpc;
import io.meshfl.proto.ProductInfo;
import io.meshfl.proto.RegisterReply;
import io.meshfl.wire.tls.CertificateAuthority;
import io.meshfl.core.trust.MeshIdentity.Role;
import io.meshfl.wire.tls.MeshTls;
import io.meshfl.wire.tls.PeerPolicy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Mutual TLS between real coordinator and node servers on loopback, with certificates made in a temp folder. */
class MutualTlsMeshTest {

    @TempDir
    Path tmp;

    private Path certs;
    private Path data;
    private CertificateAuthority ca;
    private final List<AutoCloseable> open = new ArrayList<>();

    @BeforeEach
    void mesh() throws Exception {
        certs = tmp.resolve("certs");
        ca = CertificateAuthority.create(certs, CertificateAuthority.KeyType.EC, "test", 30);
        ca.issue(Role.COORDINATOR, "coordinator", 30);
        for (DemoData.Unit u : DemoData.UNITS) ca.issue(Role.DOMAIN, u.domain(), 30);
        data = tmp.resolve("data");
        DemoData.write(data, 7);
        Files.writeString(data.resolve("job.yaml"), Files.readString(data.resolve("job.yaml")).replace("rounds: 15", "rounds: 3"));
    }

    @AfterEach
    void close() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) open.get(i).close();
    }

    private <T extends AutoCloseable> T keep(T c) {
        open.add(c);
        return c;
    }

    private Coordinator coordinator() throws Exception {
        MeshTls tls = MeshTls.load(certs, Role.COORDINATOR, "coordinator");
        Catalog cat = keep(Catalog.inMemory("tls-" + System.nanoTime()));
        return keep(new Coordinator(cat, (domain, address) -> tls.dial(address, PeerPolicy.domain(domain)), 500, s -> { })
                .start(tls.server(new InetSocketAddress("127.0.0.1", 0), PeerPolicy.anyMember())));
    }

    private List<DataContract> contracts(String domain) {
        return ContractLoader.loadDirectory(data).stream().filter(c -> c.domain().equals(domain)).toList();
    }

    /** A node of {@code domain} serving and registering with {@code tls}, which may be another domain's. */
    private DomainNode join(Coordinator c, String domain, MeshTls tls) throws Exception {
        DomainNode n = keep(new DomainNode(domain, contracts(domain), s -> { })
                .start(tls.server(new InetSocketAddress("127.0.0.1", 0), PeerPolicy.coordinator()), null));
        ManagedChannel ch = tls.dial("127.0.0.1:" + c.port(), PeerPolicy.coordinator());
        open.add(ch::shutdownNow);
        n.joinCoordinator(ch);
        return n;
    }

    /** A client that presents the given certificate but trusts any server, to see what the server alone refuses. */
    private ManagedChannel rawClient(Coordinator c, Path cert, Path key) throws Exception {
        ManagedChannel ch = Grpc.newChannelBuilder("127.0.0.1:" + c.port(), TlsChannelCredentials.newBuilder()
                .keyManager(cert.toFile(), key.toFile()).trustManager(InsecureTrustManagerFactory.INSTANCE.getTrustManagers()).build()).build();
        open.add(ch::shutdownNow);
        return ch;
    }

    private static RegisterReply register(ManagedChannel ch, NodeInfo info) {
        return CoordinatorServiceGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS).register(info);
    }

    @Test
    void horizontalJobRunsEndToEndOverMutualTls() throws Exception {
        var all = ContractLoader.loadDirectory(data);
        try (Catalog cat = Catalog.inMemory("tls-e2e-" + System.nanoTime());
             EmbeddedMesh mesh = new EmbeddedMesh(cat, all, s -> { }, null, certs)) {
            assertEquals(3, mesh.coordinator().registry().entries().size());
            var job = JobLoader.load(data.resolve("job.yaml"));
            ObjectNode report = mesh.coordinator().runJob(job, Files.readString(data.resolve("job.yaml")), new Progress(new PrintStream(java.io.OutputStream.nullOutputStream()), false));
            assertEquals("horizontal", report.path("plan").path("strategy").asText());
            assertTrue(report.path("metrics").path("auc").asDouble() > 0.6, report.path("metrics").toString());

            // the same port refuses a plaintext client
            ManagedChannel plain = EmbeddedMesh.dial("127.0.0.1:" + mesh.coordinator().port());
            try {
                var e = assertThrows(StatusRuntimeException.class, () -> register(plain, NodeInfo.newBuilder().setNodeId("x").setDomain("x").build()));
                assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
            } finally {
                plain.shutdownNow();
            }
        }
    }

    @Test
    void nodeWithCertificateOfAnotherCaIsRefusedByTheHandshake() throws Exception {
        Path other = tmp.resolve("other-ca");
        CertificateAuthority.create(other, CertificateAuthority.KeyType.EC, "rogue", 30).issue(Role.DOMAIN, "lending-north", 30);
        Coordinator c = coordinator();
        ManagedChannel ch = rawClient(c, other.resolve("lending-north.pem"), other.resolve("lending-north-key.pem"));
        var e = assertThrows(StatusRuntimeException.class, () -> register(ch, NodeInfo.newBuilder().setNodeId("n").setDomain("lending-north").build()));
        assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
        assertTrue(c.registry().entries().isEmpty());
        // and a node holding the rogue CA refuses the mesh's coordinator on its side too
        MeshTls rogue = MeshTls.load(other.resolve("ca.pem"), other.resolve("lending-north.pem"), other.resolve("lending-north-key.pem"),
                null, Role.DOMAIN, "lending-north");
        assertThrows(StatusRuntimeException.class, () -> join(c, "lending-north", rogue));
    }

    @Test
    void expiredCertificateIsRefused() throws Exception {
        Instant now = Instant.now();
        ca.revoke("lending-south");
        ca.issue(Role.DOMAIN, "lending-south", now.minus(Duration.ofDays(10)), now.minus(Duration.ofDays(1)));
        var load = assertThrows(MeshflException.class, () -> MeshTls.load(certs, Role.DOMAIN, "lending-south"));
        assertTrue(load.getMessage().contains("expired"), load.getMessage());
        Coordinator c = coordinator();
        ManagedChannel ch = rawClient(c, certs.resolve("lending-south.pem"), certs.resolve("lending-south-key.pem"));
        var e = assertThrows(StatusRuntimeException.class, () -> register(ch, NodeInfo.newBuilder().setNodeId("n").setDomain("lending-south").build()));
        assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
        assertTrue(c.registry().entries().isEmpty());
    }

    @Test
    void revokedNodeIsRefusedByTheCoordinator() throws Exception {
        Coordinator c = coordinator();
        MeshTls north = MeshTls.load(certs, Role.DOMAIN, "lending-north");
        join(c, "lending-north", north);
        assertEquals(1, c.registry().entries().size());
        ca.revoke("lending-north");
        Thread.sleep(1200); // the coordinator re-reads crl.pem at most once a second
        var e = assertThrows(StatusRuntimeException.class, () -> join(c, "lending-north", north));
        assertEquals(Status.Code.PERMISSION_DENIED, e.getStatus().getCode());
        assertTrue(e.getStatus().getDescription().contains("domain 'lending-north'") && e.getStatus().getDescription().contains("revoked"),
                e.getStatus().getDescription());
    }

    @Test
    void nodeCertifiedForOneDomainCannotClaimAnotherOrItsProducts() throws Exception {
        Coordinator c = coordinator();
        MeshTls north = MeshTls.load(certs, Role.DOMAIN, "lending-north");
        var e = assertThrows(MeshflException.class, () -> join(c, "lending-south", north));
        assertTrue(e.getMessage().contains("claims domain 'lending-south'") && e.getMessage().contains("for domain 'lending-north'"), e.getMessage());

        ManagedChannel ch = north.dial("127.0.0.1:" + c.port(), PeerPolicy.coordinator());
        open.add(ch::shutdownNow);
        String foreign = Files.readString(data.resolve("lending-south.loans.yaml"));
        RegisterReply r = register(ch, NodeInfo.newBuilder().setNodeId("n").setDomain("lending-north").setAddress("127.0.0.1:1")
                .addProducts(ProductInfo.newBuilder().setId("lending-south.loans").setVersion("1.0.0").setContractYaml(foreign)).build());
        assertFalse(r.getAccepted());
        assertTrue(r.getMessage().contains("domain 'lending-north'") && r.getMessage().contains("'lending-south.loans' of domain 'lending-south'"),
                r.getMessage());
        assertTrue(c.registry().entries().isEmpty());
    }

    @Test
    void nodesAcceptOnlyTheMeshCoordinator() throws Exception {
        MeshTls north = MeshTls.load(certs, Role.DOMAIN, "lending-north");
        MeshTls south = MeshTls.load(certs, Role.DOMAIN, "lending-south");
        // a domain's certificate posing as the coordinator: the node will not register with it
        Catalog cat = keep(Catalog.inMemory("tls-fake-" + System.nanoTime()));
        Coordinator fake = keep(new Coordinator(cat, (d, a) -> south.dial(a, PeerPolicy.domain(d)), 500, s -> { })
                .start(south.server(new InetSocketAddress("127.0.0.1", 0), PeerPolicy.anyMember())));
        assertThrows(StatusRuntimeException.class, () -> join(fake, "lending-north", north));
        assertTrue(fake.registry().entries().isEmpty());

        // and a node's server answers only the coordinator, not another domain
        Coordinator c = coordinator();
        DomainNode n = join(c, "lending-north", north);
        ManagedChannel ch = south.dial(n.address(), PeerPolicy.domain("lending-north"));
        open.add(ch::shutdownNow);
        var e = assertThrows(StatusRuntimeException.class, () -> NodeServiceGrpc.newBlockingStub(ch).describe(DescribeRequest.getDefaultInstance()));
        assertEquals(Status.Code.PERMISSION_DENIED, e.getStatus().getCode());
        assertTrue(e.getStatus().getDescription().contains("domain 'lending-south'"), e.getStatus().getDescription());
    }

    @Test
    void plaintextNeedsInsecure() throws Exception {
        PrintStream err = System.err;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setErr(new PrintStream(buf, true));
        int code;
        try {
            code = Main.execute("node", "--domain", "lending-north", "--contracts", data.toString(), "--coordinator", "127.0.0.1:1");
        } finally {
            System.setErr(err);
        }
        assertEquals(2, code);
        assertTrue(buf.toString().contains("--insecure"), buf.toString());
    }
}
