package io.meshfl.cli;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.meshfl.core.catalog.Catalog;
import io.meshfl.core.trust.MeshIdentity;
import io.meshfl.proto.CoordinatorServiceGrpc;
import io.meshfl.proto.NodeInfo;
import io.meshfl.wire.tls.CertificateAuthority;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Another process on the coordinator's host, a foreign or plaintext client, a careless operator
 * and someone holding the catalog file, against a mesh of separate processes over mutual TLS:
 * the catalog has no listener and only its owner can read it, every refused handshake and call is
 * logged with its reason, and tampering with a finished run's records is found by
 * {@code meshfl audit verify}, by the catalog's own chains and by the nodes' audits.
 */
@Tag("adversarial")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HostAttackTest {

    private static final String[] DOMAINS = {"lending-north", "lending-south", "lending-online"};

    @TempDir
    static Path tmp;

    private ProcessMesh mesh;
    private Path certs;
    private Path data;
    private Path catalog;
    private String coordinator;

    @BeforeAll
    void startMesh() throws Exception {
        certs = tmp.resolve("certs");
        // three-day certificates: short enough to be warned about
        assertEquals(0, Main.execute("certs", "init", "--dir", certs.toString(), "--domains", String.join(",", DOMAINS), "--days", "3"));
        data = tmp.resolve("data");
        DemoData.write(data, 11);
        Files.writeString(data.resolve("job.yaml"), Files.readString(data.resolve("job.yaml")).replace("rounds: 15", "rounds: 4"));
        Files.writeString(data.resolve("job-dp.yaml"), Files.readString(data.resolve("job.yaml"))
                .replace("name: demo-default-risk", "name: demo-dp") + "privacy: {noiseMultiplier: 1.0, clip: 1.0}\n");
        mesh = new ProcessMesh(tmp.resolve("logs"));
        catalog = tmp.resolve("coordinator").resolve("catalog");
        coordinator = mesh.coordinator(certs, catalog);
        for (String d : DOMAINS) mesh.node(d, data, coordinator, certs, tmp.resolve("nodes").resolve(d));
        mesh.awaitNodes(DOMAINS);
    }

    @AfterAll
    void stopMesh() {
        mesh.close();
    }

    @Test
    @Order(1)
    void anotherProcessCannotOpenTheCatalogTheCoordinatorHolds() throws Exception {
        Cli.Result r = Cli.run("catalog", "--catalog", catalog.toString(), "runs");
        assertEquals(2, r.code(), r.output());
        assertTrue(r.output().contains("is open in another process"), r.output());
        // the old way in: attach to the database through the server an AUTO_SERVER catalog advertised
        SQLException e = assertThrows(SQLException.class, () -> DriverManager.getConnection("jdbc:h2:file:" + catalog + ";AUTO_SERVER=TRUE", "sa", "").close());
        assertTrue(e.getMessage().contains("Locked by another process") || e.getMessage().contains("already in use"), e.getMessage());
    }

    @Test
    @Order(2)
    void anotherAccountOnTheHostCannotReadTheCatalogNodeStateOrKeys() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue("root".equals(System.getProperty("user.name")),
                "needs root to act as another account (setpriv)");
        for (Path secret : List.of(catalog.resolveSibling("catalog.mv.db"), tmp.resolve("nodes").resolve(DOMAINS[0]).resolve("runs.jsonl"),
                certs.resolve("coordinator-key.pem"))) {
            Process p = new ProcessBuilder("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--", "cat", secret.toString())
                    .redirectErrorStream(true).start();
            assertTrue(p.waitFor(20, TimeUnit.SECONDS));
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertNotEquals(0, p.exitValue(), "account nobody read " + secret);
            assertTrue(out.contains("Permission denied"), out);
        }
    }

    @Test
    @Order(3)
    void theCoordinatorListensOnItsMeshPortOnly() throws Exception {
        long pid = mesh.pid("coordinator");
        Set<String> inodes = new HashSet<>();
        try (var fds = Files.list(Path.of("/proc", String.valueOf(pid), "fd"))) {
            for (Path fd : fds.toList()) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith("socket:[")) inodes.add(target.substring(8, target.length() - 1));
                } catch (java.io.IOException gone) {
                    // closed while listing
                }
            }
        }
        Set<Integer> listening = new HashSet<>();
        for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
            List<String> lines = Files.readAllLines(Path.of(table));
            for (String line : lines.subList(1, lines.size())) {
                String[] f = line.trim().split("\\s+");
                // field 3 is the state (0A = LISTEN), field 9 the socket inode
                if (f[3].equals("0A") && inodes.contains(f[9])) listening.add(Integer.parseInt(f[1].substring(f[1].indexOf(':') + 1), 16));
            }
        }
        assertEquals(Set.of(Integer.parseInt(coordinator.substring(coordinator.indexOf(':') + 1))), listening,
                "the coordinator process listens on " + listening);
    }

    @Test
    @Order(4)
    void refusedHandshakesAndCallsAreLoggedWithTheirReason() throws Exception {
        // a client whose certificate comes from another CA
        Path rogue = tmp.resolve("rogue");
        CertificateAuthority.create(rogue, CertificateAuthority.KeyType.EC, "rogue", 30).issue(MeshIdentity.Role.CLIENT, "eve", 30);
        ManagedChannel ch = io.grpc.Grpc.newChannelBuilder(coordinator, io.grpc.TlsChannelCredentials.newBuilder()
                .keyManager(rogue.resolve("client-eve.pem").toFile(), rogue.resolve("client-eve-key.pem").toFile())
                .trustManager(io.grpc.netty.shaded.io.netty.handler.ssl.util.InsecureTrustManagerFactory.INSTANCE.getTrustManagers()).build()).build();
        try {
            assertThrows(StatusRuntimeException.class, () -> CoordinatorServiceGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS)
                    .register(NodeInfo.newBuilder().setNodeId("x").setDomain("lending-north").build()));
        } finally {
            ch.shutdownNow();
        }
        // gRPC's client offers no certificate the server's CA list does not name: the server says so
        mesh.await("coordinator", Pattern.compile("refused a connection: the client presented no certificate of the mesh CA"), 10_000);
        // a client that presents its foreign certificate anyway is refused by the mesh's trust check, naming the certificate
        presentAnyway(rogue.resolve("client-eve.pem"), rogue.resolve("client-eve-key.pem"));
        mesh.await("coordinator", Pattern.compile("refused TLS client[^:]*: certificate of .*client eve is not issued by the mesh CA"), 10_000);

        // a plaintext client: it is told why, and the coordinator notes the refusal
        Cli.Result r = Cli.run("run", "--job", data.resolve("job.yaml").toString(), "--coordinator", coordinator, "--insecure");
        assertEquals(2, r.code(), r.output());
        assertTrue(r.output().contains("requires mutual TLS") && r.output().contains("--insecure"), r.output());
        mesh.await("coordinator", Pattern.compile("refused a connection: the client does not speak TLS"), 10_000);

        // a client of the mesh whose certificate was revoked is refused per call, by identity
        assertEquals(0, Main.execute("certs", "add", "--dir", certs.toString(), "--client", "mallory", "--days", "2"));
        assertEquals(0, Main.execute("certs", "revoke", "--dir", certs.toString(), "--name", "client-mallory"));
        Thread.sleep(1200); // the coordinator re-reads crl.pem at most once a second
        // its own command line refuses to use a revoked certificate; an attacker's client is not so polite
        Cli.Result m = Cli.run("run", "--job", data.resolve("job.yaml").toString(), "--coordinator", coordinator,
                "--tls-dir", certs.toString(), "--tls-identity", "client:mallory");
        assertEquals(2, m.code(), m.output());
        assertTrue(m.output().contains("revoked"), m.output());
        ManagedChannel mal = io.grpc.Grpc.newChannelBuilder(coordinator, io.grpc.TlsChannelCredentials.newBuilder()
                .keyManager(certs.resolve("client-mallory.pem").toFile(), certs.resolve("client-mallory-key.pem").toFile())
                .trustManager(io.grpc.netty.shaded.io.netty.handler.ssl.util.InsecureTrustManagerFactory.INSTANCE.getTrustManagers()).build()).build();
        try {
            var denied = assertThrows(StatusRuntimeException.class, () -> CoordinatorServiceGrpc.newBlockingStub(mal).withDeadlineAfter(10, TimeUnit.SECONDS)
                    .planJob(io.meshfl.proto.JobRequest.newBuilder().setJobYaml(Files.readString(data.resolve("job.yaml"))).build()));
            assertEquals(io.grpc.Status.Code.PERMISSION_DENIED, denied.getStatus().getCode());
        } finally {
            mal.shutdownNow();
        }
        mesh.await("coordinator", Pattern.compile("refused PlanJob from /?127\\.0\\.0\\.1:\\d+: certificate of client 'mallory' .* is revoked"), 10_000);
    }

    @Test
    @Order(5)
    void certificatesThatAreExpiredAtBirthAreRefusedAndSoonExpiringOnesWarned() throws Exception {
        for (String days : List.of("0", "-1")) {
            Cli.Result r = Cli.run("certs", "add", "--dir", certs.toString(), "--client", "later" + days.replace("-", "m"), "--days", days);
            assertEquals(2, r.code(), r.output());
            assertTrue(r.output().contains("--days " + days) && r.output().contains("at least 1 day"), r.output());
        }
        Cli.Result list = Cli.run("certs", "list", "--dir", certs.toString());
        assertTrue(list.output().lines().anyMatch(l -> l.startsWith("coordinator.pem") && l.contains("EXPIRES WITHIN 7 DAYS")), list.output());
        assertTrue(mesh.text("coordinator").contains("WARNING: the certificate of the coordinator"), mesh.text("coordinator"));
        assertTrue(mesh.text("coordinator").contains("WARNING: the certificate of domain 'lending-north'"), "node certificates warned at registration");
    }

    @Test
    @Order(6)
    void tamperingWithFinishedRunsIsFoundAndNamed() throws Exception {
        for (String job : List.of("job.yaml", "job-dp.yaml")) {
            Cli.Result r = Cli.run("run", "--job", data.resolve(job).toString(), "--coordinator", coordinator, "--tls-dir", certs.toString(),
                    "--report", tmp.resolve(job + ".json").toString());
            assertEquals(0, r.code(), r.output());
        }
        mesh.stop("coordinator");
        String[] nodeAudits = new String[2 * DOMAINS.length];
        for (int i = 0; i < DOMAINS.length; i++) {
            nodeAudits[2 * i] = "--node-audit";
            nodeAudits[2 * i + 1] = tmp.resolve("nodes").resolve(DOMAINS[i]).toString();
        }
        Cli.Result clean = verify(catalog, nodeAudits);
        assertEquals(0, clean.code(), clean.output());
        assertTrue(clean.output().contains("2 signed") && clean.output().contains("verified"), clean.output());

        // one audit record of the first run deleted
        Path copy = copyCatalog("deleted-audit");
        long victim = firstLong(copy, "SELECT MIN(seq) + 7 FROM audit_records");
        sql(copy, "DELETE FROM audit_records WHERE seq = " + victim);
        Cli.Result deleted = verify(copy);
        assertEquals(1, deleted.code(), deleted.output());
        assertTrue(deleted.output().contains("record #" + victim + " is missing"), deleted.output());

        // a ledger entry edited to give epsilon back
        copy = copyCatalog("edited-ledger");
        sql(copy, "UPDATE ledger_entries SET epsilon = 0.001 WHERE seq = (SELECT MAX(seq) FROM ledger_entries)");
        Cli.Result edited = verify(copy);
        assertEquals(1, edited.code(), edited.output());
        assertTrue(edited.output().contains("ledger #") && edited.output().contains("was altered"), edited.output());

        // the whole last run removed, heads set back: the catalog alone looks whole, the nodes' audits do not
        copy = copyCatalog("erased-run");
        String run = firstString(copy, "SELECT run_id FROM chain_seals ORDER BY seq DESC LIMIT 1");
        long firstOfRun = firstLong(copy, "SELECT MIN(seq) FROM audit_records WHERE run_id = '" + run + "'");
        sql(copy, "DELETE FROM audit_records WHERE seq >= " + firstOfRun,
                "DELETE FROM ledger_entries WHERE run_id = '" + run + "'",
                "DELETE FROM chain_seals WHERE run_id = '" + run + "'",
                "DELETE FROM run_rounds WHERE run_id = '" + run + "'", "DELETE FROM run_products WHERE run_id = '" + run + "'",
                // the run's model with its registry entry, approvals and stages, as an attacker with the catalog's files would
                "DELETE FROM model_stages WHERE model_id IN (SELECT id FROM models WHERE run_id = '" + run + "')",
                "DELETE FROM model_approvals WHERE model_id IN (SELECT id FROM models WHERE run_id = '" + run + "')",
                "DELETE FROM model_registry WHERE model_id IN (SELECT id FROM models WHERE run_id = '" + run + "')",
                "DELETE FROM models WHERE run_id = '" + run + "'", "DELETE FROM run_reports WHERE run_id = '" + run + "'",
                "DELETE FROM runs WHERE id = '" + run + "'",
                "UPDATE chain_heads SET head_seq = (SELECT MAX(seq) FROM audit_records), head_hash = (SELECT row_hash FROM audit_records "
                        + "WHERE seq = (SELECT MAX(seq) FROM audit_records)) WHERE chain = 'audit'",
                "UPDATE chain_heads SET head_seq = (SELECT COALESCE(MAX(seq), 0) FROM ledger_entries), head_hash = COALESCE((SELECT row_hash FROM "
                        + "ledger_entries WHERE seq = (SELECT MAX(seq) FROM ledger_entries)), '" + "0".repeat(64) + "') WHERE chain = 'ledger'",
                "UPDATE chain_heads SET head_seq = (SELECT MAX(seq) FROM chain_seals), head_hash = (SELECT row_hash FROM chain_seals "
                        + "WHERE seq = (SELECT MAX(seq) FROM chain_seals)) WHERE chain = 'seal'");
        Cli.Result alone = verify(copy);
        assertEquals(0, alone.code(), "a careful rewrite leaves the catalog's own chains whole: " + alone.output());
        Cli.Result crossed = verify(copy, nodeAudits);
        assertEquals(1, crossed.code(), crossed.output());
        assertTrue(crossed.output().contains("which the catalog no longer has") && crossed.output().contains(run), crossed.output());
        assertTrue(crossed.output().contains("but the catalog's audit has no record of it"), crossed.output());
        assertTrue(crossed.output().contains("but the catalog's ledger has no charge of that run"), "the nodes' own ledgers keep the epsilon: "
                + crossed.output());
    }

    /** A TLS client that sends its certificate whatever CAs the server asks for, as an attacker's tool would. */
    private void presentAnyway(Path certFile, Path keyFile) throws Exception {
        java.security.cert.X509Certificate cert = io.meshfl.core.trust.Pem.certificate(certFile);
        java.security.PrivateKey key = io.meshfl.core.trust.Pem.privateKey(keyFile, cert.getPublicKey().getAlgorithm());
        javax.net.ssl.X509KeyManager always = new javax.net.ssl.X509ExtendedKeyManager() {
            public String[] getClientAliases(String t, java.security.Principal[] i) { return new String[]{"eve"}; }
            public String chooseClientAlias(String[] t, java.security.Principal[] i, java.net.Socket s) { return "eve"; }
            public String chooseEngineClientAlias(String[] t, java.security.Principal[] i, javax.net.ssl.SSLEngine e) { return "eve"; }
            public String[] getServerAliases(String t, java.security.Principal[] i) { return null; }
            public String chooseServerAlias(String t, java.security.Principal[] i, java.net.Socket s) { return null; }
            public java.security.cert.X509Certificate[] getCertificateChain(String a) { return new java.security.cert.X509Certificate[]{cert}; }
            public java.security.PrivateKey getPrivateKey(String a) { return key; }
        };
        javax.net.ssl.SSLContext ctx = javax.net.ssl.SSLContext.getInstance("TLS");
        ctx.init(new javax.net.ssl.KeyManager[]{always},
                io.grpc.netty.shaded.io.netty.handler.ssl.util.InsecureTrustManagerFactory.INSTANCE.getTrustManagers(), null);
        String host = coordinator.substring(0, coordinator.indexOf(':'));
        int port = Integer.parseInt(coordinator.substring(coordinator.indexOf(':') + 1));
        try (javax.net.ssl.SSLSocket sock = (javax.net.ssl.SSLSocket) ctx.getSocketFactory().createSocket(host, port)) {
            sock.setSoTimeout(5000);
            sock.startHandshake();
            sock.getOutputStream().write(new byte[]{0});
            sock.getInputStream().read();
        } catch (java.io.IOException expected) {
            // refused: what the server logged is what the test looks at
        }
    }

    private Cli.Result verify(Path catalogFile, String... more) {
        List<String> args = new java.util.ArrayList<>(List.of("audit", "verify", "--catalog", catalogFile.toString(), "--ca",
                certs.resolve("ca.pem").toString()));
        args.addAll(List.of(more));
        return Cli.run(args.toArray(new String[0]));
    }

    /** A copy of the stopped coordinator's catalog in its own private folder. */
    private Path copyCatalog(String name) throws Exception {
        Path dir = io.meshfl.core.trust.PrivateFiles.directory(tmp.resolve("copies").resolve(name), "copy");
        Files.copy(catalog.resolveSibling("catalog.mv.db"), dir.resolve("catalog.mv.db"));
        try (Catalog c = Catalog.open(dir.resolve("catalog"))) {
            assertFalse(c.runs().isEmpty());
        }
        return dir.resolve("catalog");
    }

    private static void sql(Path db, String... statements) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:h2:file:" + db, "sa", ""); Statement s = c.createStatement()) {
            for (String q : statements) s.execute(q);
        }
    }

    private static long firstLong(Path db, String query) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:h2:file:" + db, "sa", ""); Statement s = c.createStatement();
             var rs = s.executeQuery(query)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static String firstString(Path db, String query) throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:h2:file:" + db, "sa", ""); Statement s = c.createStatement();
             var rs = s.executeQuery(query)) {
            rs.next();
            return rs.getString(1);
        }
    }

    @SuppressWarnings("unused")
    private static String group(Pattern p, String text) {
        Matcher m = p.matcher(text);
        return m.find() ? m.group(1) : null;
    }
}
