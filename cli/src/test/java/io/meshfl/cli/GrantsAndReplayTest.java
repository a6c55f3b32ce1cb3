package io.meshfl.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshfl.coordinator.Tickets;
import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.catalog.Catalog;
import io.meshfl.core.catalog.RunRecord;
import io.meshfl.core.contract.ContractLoader;
import io.meshfl.core.contract.DataContract;
import io.meshfl.core.plan.JobLoader;
import io.meshfl.core.plan.JobSpec;
import io.meshfl.core.plan.Plan;
import io.meshfl.core.plan.Planner;
import io.meshfl.core.protocol.Message;
import io.meshfl.core.protocol.NodeChannel;
import io.meshfl.core.protocol.horizontal.HorizontalRunner;
import io.meshfl.core.protocol.horizontal.RunObserver;
import io.meshfl.core.protocol.session.SessionSteps;
import io.meshfl.core.report.RunReport;
import io.meshfl.core.trust.JobTicket;
import io.meshfl.core.trust.MeshIdentity;
import io.meshfl.core.trust.SignedTicket;
import io.meshfl.core.trust.Signer;
import io.meshfl.wire.GrpcNodeChannel;
import io.meshfl.wire.tls.MeshTls;
import io.meshfl.wire.tls.PeerPolicy;
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
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Who may use a product, and how often: submitters without a grant, a coordinator that skips its
 * own checks (the test holds the coordinator's certificate and calls the nodes itself), replayed
 * and re-targeted job tickets, re-used run ids against a privacy budget, and data errors that
 * must not carry a domain's values across, on a mesh of separate processes over mutual TLS.
 */
@Tag("adversarial")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class GrantsAndReplayTest {

    private static final String[] LENDING = {"lending-north", "lending-south", "lending-online"};
    private static final String PLANTED = "123-45-6789";

    @TempDir
    static Path tmp;

    private ProcessMesh mesh;
    private Path certs;
    private Path data;
    private String coordinator;
    private final Map<String, String> nodeAddress = new LinkedHashMap<>();
    private MeshTls stolen;
    private Signer operator;
    private String dpRunId;
    private String plantedRunError;

    @BeforeAll
    void startMesh() throws Exception {
        certs = tmp.resolve("certs");
        assertEquals(0, Main.execute("certs", "init", "--dir", certs.toString(), "--domains", String.join(",", LENDING) + ",radiology,clinic,ward"));
        assertEquals(0, Main.execute("certs", "add", "--dir", certs.toString(), "--client", "mallory"));
        data = tmp.resolve("data");
        DemoData.write(data, 5);
        for (String d : LENDING) {
            Path c = data.resolve(d + ".loans.yaml");
            Files.writeString(c, Files.readString(c) + "  epsilonBudget: 8\n");
        }
        // the clinic's product: the same columns, one social-security-like text in a numeric column at line 5
        List<String> lines = new ArrayList<>(Files.readAllLines(data.resolve("data").resolve("lending-north-loans.csv")).subList(0, 400));
        String[] cells = lines.get(4).split(",");
        cells[2] = PLANTED;
        lines.set(4, String.join(",", cells));
        Files.write(data.resolve("data").resolve("clinic-loans.csv"), lines);
        Files.writeString(data.resolve("clinic.loans.yaml"), Files.readString(data.resolve("lending-north.loans.yaml"))
                .replace("lending-north", "clinic").replace("  epsilonBudget: 8\n", ""));
        Files.copy(data.resolve("data").resolve("lending-south-loans.csv"), data.resolve("data").resolve("ward-loans.csv"));
        Files.writeString(data.resolve("ward.loans.yaml"), Files.readString(data.resolve("lending-south.loans.yaml"))
                .replace("lending-south", "ward").replace("  epsilonBudget: 8\n", ""));
        Files.writeString(data.resolve("job.yaml"), Files.readString(data.resolve("job.yaml")).replace("rounds: 15", "rounds: 3")
                + "privacy: {targetEpsilon: 5.0, clip: 1.0}\n");
        Files.writeString(data.resolve("job-clinic.yaml"), """
                name: clinic-risk
                products: [ward.loans, clinic.loans]
                label: defaulted
                model: {type: logistic}
                rounds: 2
                seed: 3
                """);
        mesh = new ProcessMesh(tmp.resolve("logs"));
        coordinator = mesh.coordinator(certs, tmp.resolve("coordinator").resolve("catalog"));
        List<String> domains = new ArrayList<>(List.of(LENDING));
        domains.add("clinic");
        domains.add("ward");
        for (String d : domains) mesh.node(d, data, coordinator, certs, tmp.resolve("nodes").resolve(d));
        mesh.awaitNodes(domains.toArray(new String[0]));
        for (String d : domains) {
            nodeAddress.put(d, "127.0.0.1:" + mesh.await(d, Pattern.compile("serving \\d+ product\\(s\\) on 127\\.0\\.0\\.1:(\\d+)"), 10_000));
        }
        stolen = MeshTls.load(certs, MeshIdentity.Role.COORDINATOR, "coordinator").log(s -> { });
        operator = Signer.load(certs.resolve("client-operator.pem"), certs.resolve("client-operator-key.pem"));
    }

    @AfterAll
    void stopMesh() {
        mesh.close();
    }

    /** A channel to a node as the holder of the coordinator's certificate, bypassing the coordinator's own checks. */
    private GrpcNodeChannel asCoordinator(String domain) {
        return new GrpcNodeChannel("rogue-" + domain, domain, stolen.dial(nodeAddress.get(domain), PeerPolicy.domain(domain)), true);
    }

    private static Message authorize(String jobId, String runId, String domain, SignedTicket t) {
        return Message.request(jobId, runId, SessionSteps.PROTOCOL, SessionSteps.AUTHORIZE, 0, domain).withBlobs(Map.of("ticket", t.encode()));
    }

    private static JobTicket ticket(String submitter, String strategy, String... products) {
        return signedFor("name: rogue", submitter, strategy, products);
    }

    /** A ticket for the job spec {@code spec}. */
    private static JobTicket signedFor(String spec, String submitter, String strategy, String... products) {
        List<JobTicket.ProductVersion> pv = new ArrayList<>();
        for (String p : products) pv.add(new JobTicket.ProductVersion(p, "1.0.0"));
        return Tickets.draft(submitter, JobTicket.TRAIN, "rogue", strategy, spec, pv, null);
    }

    /**
     * Presents {@code t} to the node of {@code domain} both ways a run is opened, alone and on the
     * run's first request (as the coordinator sends it); both must be refused alike. Returns why.
     */
    private String refusal(String domain, String runId, SignedTicket t) {
        GrpcNodeChannel ch = asCoordinator(domain);
        try {
            Message reply = ch.call(authorize("job-rogue", runId, domain, t), Duration.ofSeconds(30));
            assertTrue(reply.failed(), "node of " + domain + " accepted the ticket");
            assertEquals(ErrorCode.POLICY_VIOLATION, reply.error().code(), reply.error().message());
            // refused alone, the run is not open: the same run presented again, on its first request
            Message first = ch.call(Message.request("job-rogue", runId, "horizontal", "prepare", 0, domain)
                    .withConfig(Map.of("product", domain + ".loans", "features", "age", "label", "defaulted", "model_type", "LOGISTIC"))
                    .withBlobs(Map.of(SessionSteps.TICKET, t.encode())), Duration.ofSeconds(30));
            assertTrue(first.failed(), "node of " + domain + " served a first request on the ticket");
            assertEquals(ErrorCode.POLICY_VIOLATION, first.error().code(), first.error().message());
            assertEquals(reply.error().message(), first.error().message(), "the ticket on a first request is refused as it is alone");
            return reply.error().message();
        } finally {
            ch.close();
        }
    }

    @Test
    @Order(1)
    void aSubmitterWithoutAGrantIsRefusedNamingProductAndIdentity() {
        for (String who : List.of("domain:radiology", "client:mallory")) {
            Cli.Result r = Cli.run("run", "--job", data.resolve("job.yaml").toString(), "--coordinator", coordinator,
                    "--tls-dir", certs.toString(), "--tls-identity", who);
            assertEquals(2, r.code(), r.output());
            assertTrue(r.output().contains("grants no access to " + who) && r.output().contains("lending-north.loans"), r.output());
        }
    }

    @Test
    @Order(2)
    void aCompromisedCoordinatorCannotOpenARunNoOwnerGranted() throws Exception {
        Signer mallory = Signer.load(certs.resolve("client-mallory.pem"), certs.resolve("client-mallory-key.pem"));
        String noGrant = refusal("lending-north", "run-rogue-1",
                SignedTicket.sign(ticket("client:mallory", "horizontal", "lending-north.loans"), mallory));
        assertTrue(noGrant.contains("grants no access to client:mallory") && noGrant.contains("lending-north.loans"), noGrant);

        String unsigned = refusal("lending-north", "run-rogue-2", SignedTicket.unsigned(ticket("client:operator", "horizontal", "lending-north.loans")));
        assertTrue(unsigned.contains("is not signed"), unsigned);

        // a ticket the operator signed for one product, presented to another product's owner
        SignedTicket north = SignedTicket.sign(ticket("client:operator", "horizontal", "lending-north.loans"), operator);
        String elsewhere = refusal("lending-south", "run-rogue-3", north);
        assertTrue(elsewhere.contains("names none of this node's products"), elsewhere);

        // the same ticket with the other product written in: the signature no longer matches
        String json = new String(north.ticket(), StandardCharsets.UTF_8).replace("\"lending-north.loans\"", "\"lending-south.loans\"");
        SignedTicket forged = new SignedTicket(json.getBytes(StandardCharsets.UTF_8), north.certificate(), north.signature());
        String tampered = refusal("lending-south", "run-rogue-4", forged);
        assertTrue(tampered.contains("signature") && tampered.contains("does not match"), tampered);

        // and a request of a run no ticket opened is refused before any data is read
        GrpcNodeChannel ch = asCoordinator("lending-north");
        try {
            Message reply = ch.call(Message.request("job-x", "run-never-opened", "horizontal", "prepare", 0, "lending-north")
                    .withConfig(Map.of("product", "lending-north.loans", "features", "age", "label", "defaulted", "model_type", "LOGISTIC")),
                    Duration.ofSeconds(30));
            assertTrue(reply.failed() && reply.error().message().contains("is not authorized on this node"), String.valueOf(reply.error()));
        } finally {
            ch.close();
        }
        String log = mesh.text("lending-north");
        assertTrue(log.contains("policy violation refused") && log.contains("client:mallory"), "the node logs every refusal");
    }

    @Test
    @Order(3)
    void aSignedJobRunsOnceAndEveryRunPaysItsEpsilon() throws Exception {
        Path report = tmp.resolve("dp.json");
        // three nodes at epsilon 5 draw the plan's noise warning, which the submitter accepts
        Cli.Result first = Cli.run("run", "--job", data.resolve("job.yaml").toString(), "--coordinator", coordinator,
                "--tls-dir", certs.toString(), "--report", report.toString(), "--accept-warnings");
        assertEquals(0, first.code(), first.output());
        JsonNode r = RunReport.JSON.readTree(report.toFile());
        dpRunId = r.path("run_id").asText();
        double eps = r.path("metrics").path("dp_epsilon").asDouble();
        assertTrue(eps > 4 && eps <= 5.0001, "spent epsilon " + eps);

        // the same job again: 5 + 5 > 8, refused by the coordinator's ledger
        Cli.Result again = Cli.run("run", "--job", data.resolve("job.yaml").toString(), "--coordinator", coordinator, "--tls-dir", certs.toString(),
                "--accept-warnings");
        assertEquals(2, again.code(), again.output());
        assertTrue(again.output().contains("privacy budget exceeded"), again.output());

        // a coordinator that skips its ledger and re-uses the charged run's id: the nodes refuse the id
        JobSpec job = JobLoader.parse(Files.readString(data.resolve("job.yaml")), "job.yaml");
        List<String> lending = List.of("lending-north.loans", "lending-south.loans", "lending-online.loans");
        String spec = Files.readString(data.resolve("job.yaml"));
        SignedTicket fresh = SignedTicket.sign(signedFor(spec, "client:operator", "horizontal", lending.toArray(new String[0])), operator);
        for (String d : LENDING) {
            String why = refusal(d, dpRunId, fresh);
            assertTrue(why.contains("run id " + dpRunId + " was already used"), why);
        }

        // ... or runs it under a new id with a ticket the submitter signed: it opens, and each node's own ledger refuses to pay
        Map<String, NodeChannel> channels = new LinkedHashMap<>();
        for (String d : LENDING) channels.put(d, asCoordinator(d));
        for (String d : LENDING) {
            // with the spec the ticket was signed for, as every node asks of a training run's ticket
            Message ok = channels.get(d).call(authorize("job-rogue", "run-rogue-dp", d, fresh).withBlobs(Map.of("ticket", fresh.encode(),
                    SessionSteps.SPEC, spec.getBytes(StandardCharsets.UTF_8))), Duration.ofSeconds(30));
            assertFalse(ok.failed(), () -> ok.error().message());
        }
        Map<String, Planner.ProductView> views = new LinkedHashMap<>();
        for (DataContract c : ContractLoader.loadDirectory(data)) if (lending.contains(c.id())) views.put(c.id(), new Planner.ProductView(c, 1000));
        Plan plan = Planner.plan(job, views);
        var e = assertThrows(MeshflException.class, () -> new HorizontalRunner(job, plan, channels, d -> true, RunObserver.NONE)
                .run("job-rogue", "run-rogue-dp"));
        assertEquals(ErrorCode.POLICY_VIOLATION, e.code(), e.getMessage());
        assertTrue(e.getMessage().contains("privacy budget exceeded") && e.getMessage().contains("this node's own ledger"), e.getMessage());

        // and the captured ticket replayed as yet another run is refused by its nonce
        for (String d : LENDING) {
            String why = refusal(d, "run-rogue-replay", fresh);
            assertTrue(why.contains("was already used for a run on this node"), why);
        }
        for (NodeChannel ch : channels.values()) ((GrpcNodeChannel) ch).close();
    }

    @Test
    @Order(4)
    void aDataErrorCrossesAsProductColumnAndLineWithoutTheValueOrThePath() throws Exception {
        Cli.Result r = Cli.run("run", "--job", data.resolve("job-clinic.yaml").toString(), "--coordinator", coordinator, "--tls-dir", certs.toString());
        assertEquals(2, r.code(), r.output());
        assertTrue(r.output().contains("clinic.loans") && r.output().contains("income_k") && r.output().contains("line 5"), r.output());
        assertFalse(r.output().contains(PLANTED), r.output());
        assertFalse(r.output().contains(data.toString()) || r.output().contains("clinic-loans.csv"), r.output());
        plantedRunError = r.output();
        assertTrue(mesh.text("clinic").contains(PLANTED), "the detail stays in the clinic node's own log");
    }

    @Test
    @Order(5)
    void whatTheCatalogKeptOfThoseRunsHoldsNoValueEither() throws Exception {
        mesh.stop("coordinator");
        try (Catalog c = Catalog.open(tmp.resolve("coordinator").resolve("catalog"))) {
            RunRecord failed = c.runs().stream().filter(x -> RunRecord.FAILED.equals(x.status()) && x.error() != null
                    && x.error().contains("clinic.loans")).findFirst().orElseThrow(() -> new AssertionError(plantedRunError));
            assertFalse(failed.error().contains(PLANTED) || failed.error().contains(data.toString()), failed.error());
            assertEquals("client:operator", failed.submitter());
            assertEquals(RunRecord.SUCCEEDED, c.run(dpRunId).orElseThrow().status());
            assertTrue(c.jobs().stream().anyMatch(j -> j.status().equals("REFUSED")), "refused submissions end REFUSED");
        }
    }
}
