package io.meshfl.cli;

import io.meshfl.core.catalog.Catalog;
import io.meshfl.core.catalog.RoundRecord;
import io.meshfl.core.catalog.RunRecord;
import io.meshfl.core.report.RunReport;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Faults injected into a mesh of separate processes, each party in a network namespace of its own
 * (addresses that exist only inside the lab), for horizontal, vertical, split and boosted-tree
 * jobs on the real example data, on the embedded catalog and on PostgreSQL: the coordinator or a
 * node killed with SIGKILL at a seeded round (and started again), a node's link cut for longer
 * than the round timeout and restored, a slow link, the catalog's database restarted. Every run
 * must end SUCCEEDED (resumed, where it can be) or FAILED / INTERRUPTED / CANCELLED with a reason,
 * never stay RUNNING; no round the client saw may be missing from the catalog; a horizontal run
 * whose coordinator was killed must resume and reach the undisturbed run's AUC within 0.005, a
 * vertical, split or boosted-tree one must resume from the last epoch or tree its parties
 * persisted and succeed; the parties of
 * an interrupted run must hear of it. The table of what happened goes to
 * {@code target/faults.md} (and, with {@code -Dmeshfl.faults.doc=FILE}, into that file's faults
 * block). {@code -Dmeshfl.faults=long} runs the whole table; {@code -Dmeshfl.faults.only=PROTOCOL}
 * one protocol's scenarios.
 */
@Tag("faults")
class FaultSuiteTest {

    @TempDir
    Path tmp;

    enum Fault { KILL_COORDINATOR, KILL_NODE, LINK_DOWN, SLOW_LINK, DATABASE_RESTART, NONE }

    /** Where the catalog lives: the coordinator's embedded H2 file, or a PostgreSQL server reached over the lab's network. */
    enum Store { H2, POSTGRESQL }

    /** A job of one protocol over one example, made short enough for a suite, and the node faults hit. */
    record Protocol(String name, String example, String job, Map<String, String> edits, List<String> domains, String victim, int rounds,
                    int timeoutSeconds) {
    }

    record Scenario(Protocol protocol, Fault fault, int point, Store store) {
        String role() {
            return switch (fault) {
                case KILL_COORDINATOR -> "coordinator";
                case NONE -> "-";
                case DATABASE_RESTART -> "catalog database";
                case SLOW_LINK -> "link to node " + protocol.victim();
                default -> "node " + protocol.victim();
            };
        }
    }

    record Outcome(Scenario scenario, boolean injected, String status, String reason, double recoverSeconds, int seen, int kept, Double auc,
                   List<String> problems) {
    }

    static final Path EXAMPLES = Path.of("..", "examples").toAbsolutePath().normalize();

    static final List<Protocol> PROTOCOLS = List.of(
            new Protocol("horizontal", "default-credit-homo", "job.yaml", Map.of("rounds: 20", "rounds: 30\nroundTimeoutSeconds: 4"),
                    List.of("cards-east", "cards-west", "cards-south"), "cards-south", 30, 4),
            new Protocol("vertical", "breast-hetero", "job.yaml", Map.of("epochs: 30", "epochs: 12", "keyBits: 2048", "keyBits: 1024",
                    "seed: 42", "seed: 42\nroundTimeoutSeconds: 4"), List.of("oncology", "radiology"), "radiology", 12, 4),
            new Protocol("split", "breast-hetero", "job-splitnn.yaml", Map.of("epochs: 40", "epochs: 16", "seed: 42", "seed: 42\nroundTimeoutSeconds: 4"),
                    List.of("oncology", "radiology"), "radiology", 16, 4),
            // a tree's encrypted histograms take seconds on two loaded cores: a longer timeout, and a longer cut to exceed it
            new Protocol("secureboost", "breast-hetero", "job-gbdt.yaml", Map.of("trees: 20", "trees: 8", "seed: 42", "seed: 42\nroundTimeoutSeconds: 30"),
                    List.of("oncology", "radiology"), "radiology", 8, 30));

    private Path certs;
    private int labs;
    private NetnsLab lab;
    private io.meshfl.core.testing.PostgresCluster pg;

    @Test
    void everyRunEndsWithAReasonOrResumesNoCommittedRoundIsLostAndAResumedRunReachesTheUndisturbedAuc() throws Exception {
        String why = NetnsLab.unavailable();
        Assumptions.assumeTrue(why == null, () -> "fault suite skipped: " + why);
        Assumptions.assumeTrue(Files.isDirectory(EXAMPLES.resolve("../../shared/datasets")), "fault suite skipped: ../shared/datasets is missing");
        boolean full = "long".equals(System.getProperty("meshfl.faults", "short"));
        long seed = Long.getLong("meshfl.faults.seed", 20261205L);
        String only = System.getProperty("meshfl.faults.only");
        List<Scenario> scenarios = scenarios(full, new Random(seed)).stream().filter(x -> only == null || x.protocol().name().equals(only)).toList();
        certs = tmp.resolve("certs");
        List<String> all = new ArrayList<>(PROTOCOLS.stream().flatMap(p -> p.domains().stream()).distinct().toList());
        STORM.keySet().stream().filter(d -> !all.contains(d)).forEach(all::add);
        assertTrue(Main.execute("certs", "init", "--dir", certs.toString(), "--domains", String.join(",", all), "--days", "1") == 0);

        List<Outcome> outcomes = new ArrayList<>();
        Double undisturbed;
        String startup;
        List<String> stormProblems = new ArrayList<>();
        // names unique to this JVM, so a lab another run left behind cannot collide with this one
        try (NetnsLab built = NetnsLab.create(Long.toString(ProcessHandle.current().pid() % 46656, 36))) {
            lab = built;
            boolean needsPg = scenarios.stream().anyMatch(x -> x.store() == Store.POSTGRESQL);
            if (needsPg && io.meshfl.core.testing.PostgresCluster.binaries().isEmpty()) {
                throw new AssertionError("the fault suite's PostgreSQL scenarios need the server binaries (Debian package postgresql)");
            }
            pg = needsPg ? io.meshfl.core.testing.PostgresCluster.start(NetnsLab.HOST, "10.77.0.0/24") : null;
            try {
                startup = startupStorm(stormProblems);
                System.out.println(startup);
                undisturbed = undisturbedAuc(PROTOCOLS.get(0));
                for (Scenario s : scenarios) {
                    Outcome o = inject(s, undisturbed);
                    outcomes.add(o);
                    System.out.println(row(outcomes.size(), o));
                }
            } finally {
                if (pg != null) pg.close();
            }
        }
        String table = startup + "\n\n" + table(outcomes, seed, undisturbed);
        System.out.println(table);
        Files.writeString(Path.of("target", "faults.md"), table);
        String doc = System.getProperty("meshfl.faults.doc");
        if (doc != null) writeBlock(Path.of(doc), table);
        List<String> problems = new ArrayList<>(stormProblems);
        outcomes.stream().flatMap(o -> o.problems().stream().map(p -> o.scenario() + ": " + p)).forEach(problems::add);
        assertTrue(problems.isEmpty(), String.join("\n", problems) + "\n" + table);
    }

    /**
     * The embedded-mesh finding, as a fault: a {@code meshfl run} on an embedded mesh killed with
     * SIGKILL mid-run leaves a RUNNING run and its ACTIVE nodes in the catalog; the next
     * {@code meshfl run} on that catalog must end the orphan INTERRUPTED with the reason, and once it
     * ends no node of either stays in the catalog.
     */
    @Test
    void anEmbeddedRunKilledMidRunLeavesNoRunningRunAndNoNodesOnceTheNextOneHasRun() throws Exception {
        Path data = tmp.resolve("embedded");
        DemoData.write(data, 2);
        String job = Files.readString(data.resolve("job.yaml"));
        Files.writeString(data.resolve("long.yaml"), job.replace("rounds: 15", "rounds: 200"));
        Files.writeString(data.resolve("short.yaml"), job.replace("rounds: 15", "rounds: 2"));
        Path catalog = tmp.resolve("embedded-catalog").resolve("catalog");
        String run;
        try (ProcessMesh procs = new ProcessMesh(tmp.resolve("embedded-logs"))) {
            Process first = procs.start("first", "run", "--job", data.resolve("long.yaml").toString(), "--catalog", catalog.toString());
            procs.await("first", Pattern.compile("round\\s+5/200"), 120_000);
            new ProcessBuilder("kill", "-9", String.valueOf(first.pid())).start().waitFor();
            first.waitFor(30, TimeUnit.SECONDS);
            try (Catalog c = Catalog.open(catalog)) {
                List<RunRecord> running = c.runs().stream().filter(r -> r.status().equals(RunRecord.RUNNING)).toList();
                assertTrue(running.size() == 1, "what a killed embedded run leaves: its run RUNNING " + c.runs());
                run = running.get(0).id();
                assertTrue(!c.nodes().isEmpty(), "... and its nodes");
            }
            assertTrue(procs.run("second", "run", "--job", data.resolve("short.yaml").toString(), "--catalog", catalog.toString()) == 0,
                    procs.text("second"));
        }
        try (Catalog c = Catalog.open(catalog)) {
            RunRecord orphan = c.run(run).orElseThrow();
            assertTrue(RunRecord.INTERRUPTED.equals(orphan.status()) && orphan.error().contains("its coordinator stopped while it ran"),
                    orphan.status() + ": " + orphan.error());
            assertTrue(c.nodes().isEmpty(), "no node of either embedded mesh stays in the catalog: " + c.nodes());
            assertTrue(c.runs().stream().noneMatch(r -> r.status().equals(RunRecord.RUNNING)), "no run stays RUNNING");
        }
    }

    /** Seven domains and the examples that hold their contracts, for the start-up storm. */
    static final Map<String, String> STORM = new java.util.LinkedHashMap<>();

    static {
        for (String d : List.of("cards-east", "cards-west", "cards-south")) STORM.put(d, "default-credit-homo");
        for (String d : List.of("oncology", "radiology")) STORM.put(d, "breast-hetero");
        for (String d : List.of("clinic-a", "clinic-b")) STORM.put(d, "breast-homo");
    }

    /**
     * The start-up finding, in the lab: seven nodes, each in its own namespace, started at once and
     * before their coordinator (each counts its rows with DuckDB as it starts), must all register
     * once the coordinator is up, and none may exit. Returns the line for the table.
     */
    private String startupStorm(List<String> problems) throws Exception {
        List<String> names = new ArrayList<>(List.of("coordinator"));
        names.addAll(STORM.keySet());
        Path dir = tmp.resolve("storm");
        try (NetnsLab.Parties parties = lab.parties(names); ProcessMesh procs = new ProcessMesh(dir.resolve("logs"))) {
            String coordinator = parties.address("coordinator") + ":7070";
            for (var e : STORM.entrySet()) {
                procs.start(parties.exec(e.getKey()), e.getKey(), Map.of(), "node", "--domain", e.getKey(), "--contracts",
                        EXAMPLES.resolve(e.getValue()).toString(), "--coordinator", coordinator, "--host", parties.address(e.getKey()), "--port",
                        "7071", "--tls-dir", certs.toString(), "--state", dir.resolve("nodes").resolve(e.getKey()).toString());
            }
            // they start, count their rows and find no coordinator yet
            Thread.sleep(3000);
            long t0 = System.nanoTime();
            procs.start(parties.exec("coordinator"), "coordinator", Map.of(), "coordinator", "--host", parties.address("coordinator"), "--port",
                    "7070", "--catalog", dir.resolve("c").resolve("catalog").toString(), "--heartbeat-ms", "1000", "--tls-dir", certs.toString());
            int registered = 0;
            double last = 0;
            for (String d : STORM.keySet()) {
                try {
                    procs.await("coordinator", Pattern.compile("node \\S+ of " + Pattern.quote(d) + " registered at"), 90_000);
                    registered++;
                    last = (System.nanoTime() - t0) / 1e9;
                } catch (AssertionError e) {
                    problems.add("start-up: the node of " + d + " did not register: " + e.getMessage());
                }
            }
            List<String> exited = STORM.keySet().stream().filter(d -> !procs.alive(d)).toList();
            if (!exited.isEmpty()) problems.add("start-up: the nodes of " + exited + " exited");
            return String.format(Locale.ROOT, "Start-up: %d nodes, each in its own namespace, started at once, 3 s before their coordinator: "
                    + "%d registered, the last %.1f s after the coordinator started; %s.", STORM.size(), registered, last,
                    exited.isEmpty() ? "none exited" : exited + " exited");
        }
    }

    static List<Scenario> scenarios(boolean full, Random rng) {
        List<Scenario> out = new ArrayList<>();
        if (!full) {
            // one of each protocol, each fault at least once, both catalogs
            out.add(new Scenario(PROTOCOLS.get(0), Fault.KILL_COORDINATOR, point(PROTOCOLS.get(0), Fault.KILL_COORDINATOR, rng), Store.H2));
            out.add(new Scenario(PROTOCOLS.get(1), Fault.KILL_NODE, point(PROTOCOLS.get(1), Fault.KILL_NODE, rng), Store.H2));
            out.add(new Scenario(PROTOCOLS.get(0), Fault.KILL_NODE, point(PROTOCOLS.get(0), Fault.KILL_NODE, rng), Store.H2));
            out.add(new Scenario(PROTOCOLS.get(2), Fault.LINK_DOWN, point(PROTOCOLS.get(2), Fault.LINK_DOWN, rng), Store.H2));
            out.add(new Scenario(PROTOCOLS.get(3), Fault.KILL_COORDINATOR, point(PROTOCOLS.get(3), Fault.KILL_COORDINATOR, rng), Store.H2));
            out.add(new Scenario(PROTOCOLS.get(1), Fault.KILL_COORDINATOR, point(PROTOCOLS.get(1), Fault.KILL_COORDINATOR, rng), Store.H2));
            out.add(new Scenario(PROTOCOLS.get(2), Fault.KILL_COORDINATOR, point(PROTOCOLS.get(2), Fault.KILL_COORDINATOR, rng), Store.H2));
            out.add(new Scenario(PROTOCOLS.get(0), Fault.DATABASE_RESTART, point(PROTOCOLS.get(0), Fault.DATABASE_RESTART, rng), Store.POSTGRESQL));
            out.add(new Scenario(PROTOCOLS.get(0), Fault.SLOW_LINK, point(PROTOCOLS.get(0), Fault.SLOW_LINK, rng), Store.H2));
            return out;
        }
        for (Protocol p : PROTOCOLS) {
            for (Fault f : List.of(Fault.KILL_COORDINATOR, Fault.KILL_NODE, Fault.LINK_DOWN)) {
                for (int i = 0; i < 2; i++) out.add(new Scenario(p, f, point(p, f, rng), Store.H2));
            }
            out.add(new Scenario(p, Fault.SLOW_LINK, point(p, Fault.SLOW_LINK, rng), Store.H2));
        }
        for (Protocol p : PROTOCOLS) {
            for (Fault f : List.of(Fault.KILL_COORDINATOR, Fault.KILL_NODE, Fault.LINK_DOWN, Fault.DATABASE_RESTART)) {
                out.add(new Scenario(p, f, point(p, f, rng), Store.POSTGRESQL));
            }
        }
        return out;
    }

    /** A seeded round to strike at: after the first, before the last two. */
    private static int point(Protocol p, Random rng) {
        return 2 + rng.nextInt(Math.max(1, p.rounds() - 4));
    }

    /**
     * A node killed in a horizontal run is struck within its first ten rounds: its rounds take a
     * tenth of a second, a node process takes seconds to start again, and it must be able to be
     * back before the run ends.
     */
    private static int point(Protocol p, Fault f, Random rng) {
        return p.name().equals("horizontal") && f == Fault.KILL_NODE ? 2 + rng.nextInt(9) : point(p, rng);
    }

    private Path job(Protocol p) throws Exception {
        String text = Files.readString(EXAMPLES.resolve(p.example()).resolve(p.job()));
        for (var e : p.edits().entrySet()) {
            if (!text.contains(e.getKey())) throw new IllegalStateException(p.example() + "/" + p.job() + " no longer says '" + e.getKey() + "'");
            text = text.replace(e.getKey(), e.getValue());
        }
        Path f = tmp.resolve(p.name() + "-" + p.job());
        Files.writeString(f, text);
        return f;
    }

    /** A mesh of one protocol's parties in a fresh lab, the job submitted from the coordinator's namespace. */
    private final class Mesh implements AutoCloseable {
        final Protocol protocol;
        final Store store;
        final NetnsLab.Parties lab;
        final String catalogUrl;
        /** The relay the victim node is reached through, in slow-link scenarios. */
        TcpRelay relay;
        final ProcessMesh procs;
        final Path dir;
        final String coordinator;
        String[] coordinatorArgs;

        Mesh(Protocol protocol, String name, Store store) throws Exception {
            this(protocol, name, store, false);
        }

        Mesh(Protocol protocol, String name, Store store, boolean relayed) throws Exception {
            this.protocol = protocol;
            this.store = store;
            List<String> parties = new ArrayList<>(List.of("coordinator"));
            parties.addAll(protocol.domains());
            this.lab = FaultSuiteTest.this.lab.parties(parties);
            labs++;
            this.catalogUrl = store == Store.POSTGRESQL ? pg.createDatabase("fault_" + labs) : null;
            this.dir = tmp.resolve(name);
            this.procs = new ProcessMesh(dir.resolve("logs"));
            this.coordinator = lab.address("coordinator") + ":7070";
            try {
                if (relayed) relay = new TcpRelay(NetnsLab.HOST, lab.address(protocol.victim()), 7071);
                start();
            } catch (Exception | AssertionError e) {
                close();
                throw e;
            }
        }

        private void start() throws Exception {
            this.coordinatorArgs = new String[]{"coordinator", "--host", lab.address("coordinator"), "--port", "7070", "--catalog",
                    store == Store.H2 ? dir.resolve("c").resolve("catalog").toString() : catalogUrl, "--catalog-user",
                    store == Store.H2 ? "" : io.meshfl.core.testing.PostgresCluster.USER, "--heartbeat-ms", "1000", "--tls-dir", certs.toString()};
            if (store == Store.H2) coordinatorArgs = dropOption(coordinatorArgs, "--catalog-user");
            startCoordinator("coordinator");
            for (String d : protocol.domains()) startNode(d, d);
            for (String d : protocol.domains()) {
                procs.await(d, Pattern.compile("node (\\S+) of " + Pattern.quote(d) + " serving.*\\(mutual TLS\\)"), 90_000);
            }
            for (String d : protocol.domains()) procs.await("coordinator", Pattern.compile("node \\S+ of " + Pattern.quote(d) + " registered at"), 60_000);
        }

        Map<String, String> env() {
            return store == Store.H2 ? Map.of() : Map.of("MESHFL_CATALOG_PASSWORD", pg.password());
        }

        void startCoordinator(String name) throws Exception {
            procs.start(lab.exec("coordinator"), name, env(), coordinatorArgs);
            procs.await(name, Pattern.compile("coordinator listening on"), 90_000);
        }

        void startNode(String domain, String name) throws Exception {
            List<String> args = new ArrayList<>(List.of("node", "--domain", domain, "--contracts", EXAMPLES.resolve(protocol.example()).toString(),
                    "--coordinator", coordinator, "--host", lab.address(domain), "--port", "7071", "--tls-dir", certs.toString(), "--state",
                    dir.resolve("nodes").resolve(domain).toString()));
            // the coordinator reaches the victim through the relay, which the test slows down
            if (relay != null && domain.equals(protocol.victim())) args.addAll(List.of("--advertise", relay.address()));
            procs.start(lab.exec(domain), name, Map.of(), args.toArray(new String[0]));
        }

        Process submit(Path job) throws Exception {
            return procs.start(lab.exec("coordinator"), "client", Map.of(), "run", "--job", job.toString(), "--coordinator", coordinator,
                    "--tls-dir", certs.toString());
        }

        /** Follows the run from the coordinator's namespace until it ends; returns {status, reason}. */
        String[] follow(String run) throws Exception {
            String name = "follow-" + System.nanoTime();
            Process p = procs.start(lab.exec("coordinator"), name, Map.of(), "runs", "follow", run, "--coordinator", coordinator,
                    "--tls-dir", certs.toString());
            if (!p.waitFor(5, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                return new String[]{"STUCK", "no end within 5 minutes of following"};
            }
            Matcher m = Pattern.compile("run " + Pattern.quote(run) + " ended (\\w+)(?:: (.*))?").matcher(procs.text(name));
            if (m.find()) return new String[]{m.group(1), m.group(2) == null ? "" : m.group(2)};
            return new String[]{"UNKNOWN", procs.text(name).strip()};
        }

        /** Stops every process and reads the run back from the catalog. */
        RunRecord stopAndRead(String run, List<RoundRecord> rounds) throws Exception {
            procs.close();
            try (Catalog c = store == Store.H2 ? Catalog.open(dir.resolve("c").resolve("catalog"))
                    : Catalog.postgres(catalogUrl, io.meshfl.core.testing.PostgresCluster.USER, pg.password())) {
                rounds.addAll(c.rounds(run));
                return c.run(run).orElseThrow();
            }
        }

        @Override
        public void close() {
            procs.close();
            if (relay != null) relay.close();
            lab.close();
        }
    }

    private static String[] dropOption(String[] args, String option) {
        List<String> out = new ArrayList<>(List.of(args));
        int i = out.indexOf(option);
        out.remove(i + 1);
        out.remove(i);
        return out.toArray(new String[0]);
    }

    private Double undisturbedAuc(Protocol p) throws Exception {
        try (Mesh mesh = new Mesh(p, "undisturbed", Store.H2)) {
            Process client = mesh.submit(job(p));
            String run = mesh.procs.await("client", Pattern.compile("run (\\S+) of job \\S+ started"), 60_000);
            if (!client.waitFor(5, TimeUnit.MINUTES)) throw new AssertionError("the undisturbed run did not end:\n" + mesh.procs.text("client"));
            RunRecord r = mesh.stopAndRead(run, new ArrayList<>());
            if (!RunRecord.SUCCEEDED.equals(r.status())) throw new AssertionError("the undisturbed run ended " + r.status() + ": " + r.error());
            return RunReport.JSON.readTree(r.metricsJson()).path("auc").asDouble();
        }
    }

    private Outcome inject(Scenario s, Double undisturbed) throws Exception {
        Protocol p = s.protocol();
        List<String> problems = new ArrayList<>();
        try (Mesh mesh = new Mesh(p, "s" + labs, s.store(), s.fault() == Fault.SLOW_LINK)) {
            try {
                return inject(s, undisturbed, mesh, problems);
            } catch (Exception | AssertionError e) {
                try {
                    printLogs(mesh);
                } catch (java.io.IOException | RuntimeException unreadable) {
                    e.addSuppressed(unreadable);
                }
                throw e;
            }
        }
    }

    private static void printLogs(Mesh mesh) throws java.io.IOException {
        // the logs folder also holds each process's temporary folder
        try (var logs = Files.list(mesh.dir.resolve("logs"))) {
            for (Path log : logs.filter(f -> f.toString().endsWith(".log") && Files.isRegularFile(f)).sorted().toList()) {
                System.out.println("---- " + log.getFileName() + "\n" + Files.readString(log));
            }
        }
    }

    private Outcome inject(Scenario s, Double undisturbed, Mesh mesh, List<String> problems) throws Exception {
        Protocol p = s.protocol();
        {
            mesh.submit(job(p));
            String run = mesh.procs.await("client", Pattern.compile("run (\\S+) of job \\S+ started"), 90_000);
            boolean reached = true;
            try {
                mesh.procs.await("client", Pattern.compile("round\\s+" + s.point() + "/" + p.rounds()), 180_000);
            } catch (AssertionError ended) {
                // the run ended before its fault point (e.g. a round timed out on a loaded machine): no fault is injected,
                // and the run is held to the same checks
                reached = false;
            }
            int seen = (int) mesh.procs.text("client").lines().filter(l -> l.matches("round\\s+\\d+/\\d+.*")).count();
            long t0 = System.nanoTime();
            int backAt = -1;
            switch (reached ? s.fault() : Fault.NONE) {
                case NONE -> {
                }
                case KILL_COORDINATOR -> {
                    new ProcessBuilder("kill", "-9", String.valueOf(mesh.procs.pid("coordinator"))).start().waitFor();
                    mesh.startCoordinator("coordinator-2");
                }
                case KILL_NODE -> {
                    new ProcessBuilder("kill", "-9", String.valueOf(mesh.procs.pid(p.victim()))).start().waitFor();
                    Thread.sleep(1000);
                    mesh.startNode(p.victim(), p.victim() + "-2");
                    if (p.name().equals("horizontal")) {
                        // the round the run had reached when the restarted node had registered again
                        mesh.procs.await(p.victim() + "-2", Pattern.compile("node \\S+ of " + Pattern.quote(p.victim()) + " serving.*registered with"),
                                90_000);
                        backAt = (int) mesh.procs.text("client").lines().filter(l -> l.matches("round\\s+\\d+/\\d+.*")).count();
                    }
                }
                case DATABASE_RESTART -> {
                    pg.stopServer();
                    // longer than a coordinator's lease check and a node's heartbeats; shorter than a commit's patience (30 s)
                    Thread.sleep(5000);
                    pg.restartServer();
                }
                case SLOW_LINK -> {
                    // every chunk to and from the node held back 500 ms, for twice the round timeout
                    mesh.relay.delay(500);
                    Thread.sleep(2000L * p.timeoutSeconds());
                    mesh.relay.delay(0);
                }
                case LINK_DOWN -> {
                    mesh.lab.linkDown(p.victim());
                    // twice the round timeout, and longer than the coordinator's three missed heartbeats
                    Thread.sleep(2000L * p.timeoutSeconds());
                    mesh.lab.linkUp(p.victim());
                }
            }
            String[] end = mesh.follow(run);
            double recover = (System.nanoTime() - t0) / 1e9;
            if (end[0].equals(RunRecord.INTERRUPTED)) {
                // the parties hear of it once they are back, and drop what they hold of the run
                for (String d : p.domains()) {
                    String name = d.equals(p.victim()) && reached && s.fault() == Fault.KILL_NODE ? d + "-2" : d;
                    try {
                        mesh.procs.await(name, Pattern.compile("run " + Pattern.quote(run) + " ended INTERRUPTED"), 90_000);
                    } catch (AssertionError e) {
                        problems.add("node of " + d + " never heard that the run ended INTERRUPTED");
                    }
                }
            }
            List<RoundRecord> rounds = new ArrayList<>();
            RunRecord r = mesh.stopAndRead(run, rounds);
            Double auc = null;
            if (r.metricsJson() != null && RunReport.JSON.readTree(r.metricsJson()).has("auc")) {
                auc = RunReport.JSON.readTree(r.metricsJson()).path("auc").asDouble();
            }
            if (RunRecord.RUNNING.equals(r.status())) problems.add("the run stayed RUNNING");
            if (!end[0].equals(r.status())) problems.add("follow said " + end[0] + " (" + end[1] + "), the catalog says " + r.status());
            if (!RunRecord.SUCCEEDED.equals(r.status()) && (r.error() == null || r.error().isBlank())) problems.add(r.status() + " without a reason");
            if (rounds.size() < seen) problems.add("the client saw " + seen + " rounds, the catalog keeps " + rounds.size());
            List<Integer> numbers = rounds.stream().map(RoundRecord::round).toList();
            if (!numbers.equals(IntStream.rangeClosed(1, numbers.size()).boxed().toList())) problems.add("rounds kept are not 1.." + numbers.size());
            String rejoined = "";
            if (reached && p.name().equals("horizontal") && s.fault() == Fault.KILL_NODE) {
                // the run goes on and says it ran degraded; the restarted node takes part again if it is back before the last round
                if (!RunRecord.SUCCEEDED.equals(r.status())) problems.add("a horizontal run must go on without a killed node");
                else if (RunReport.JSON.readTree(r.metricsJson()).path("rounds_degraded").asInt() < 1) problems.add("the run does not say it ran degraded");
                int registeredAt = backAt;
                int back = rounds.stream().filter(x -> x.round() > registeredAt && x.nodesFailed() == 0 && x.nodesOk() == p.domains().size())
                        .mapToInt(RoundRecord::round).findFirst().orElse(-1);
                if (back > 0) {
                    rejoined = "; the restarted node registered during round " + (registeredAt + 1) + " and took part again from round " + back;
                } else if (registeredAt + 3 <= p.rounds()) {
                    problems.add("the restarted node registered during round " + (registeredAt + 1) + " and never took part again");
                } else {
                    rejoined = registeredAt >= p.rounds() ? "; the restarted node registered again after the run's last round"
                            : "; the restarted node registered again only during round " + (registeredAt + 1) + " of " + p.rounds();
                }
            }
            if (reached && !p.name().equals("horizontal") && s.fault() == Fault.KILL_COORDINATOR) {
                // every party persisted each committed epoch or tree: the run goes on from the last one, each kept once
                if (!RunRecord.SUCCEEDED.equals(r.status())) problems.add("a " + p.name() + " run must resume after its coordinator's death");
                else if (!r.metricsJson().contains("resumed_from_round")) problems.add("the " + p.name() + " run succeeded without saying it resumed");
            }
            if (reached && p.name().equals("horizontal") && s.fault() == Fault.KILL_COORDINATOR) {
                if (!RunRecord.SUCCEEDED.equals(r.status())) problems.add("a horizontal run must resume after its coordinator's death");
                else if (numbers.size() != p.rounds()) problems.add("resumed run kept " + numbers.size() + " rounds of " + p.rounds());
                else if (auc == null || Math.abs(auc - undisturbed) > 0.005) problems.add("resumed AUC " + auc + ", undisturbed " + undisturbed);
            }
            if (!problems.isEmpty()) printLogs(mesh);
            String reason = r.error() == null ? (r.metricsJson() != null && r.metricsJson().contains("resumed_from_round")
                    ? "resumed after round " + RunReport.JSON.readTree(r.metricsJson()).path("resumed_from_round").asInt() : "")
                    : r.error();
            if (!rejoined.isEmpty()) reason = (reason.isEmpty() ? RunReport.JSON.readTree(r.metricsJson()).path("rounds_degraded").asInt()
                    + " rounds degraded" : reason) + rejoined;
            return new Outcome(s, reached, r.status(), reason, recover, seen, rounds.size(), auc, problems);
        }
    }

    private static String row(int i, Outcome o) {
        String reason = o.reason().length() > 140 ? o.reason().substring(0, 137) + "..." : o.reason();
        return String.format(Locale.ROOT, "| %d | %s | %s | %s | %s | round %d | %s%s | %.1f | %d / %d | %s |", i,
                o.scenario().store() == Store.H2 ? "H2" : "PostgreSQL", o.scenario().protocol().name(),
                o.scenario().fault().name().toLowerCase(Locale.ROOT).replace('_', ' ') + (o.injected() ? "" : " (not reached: the run ended first)"),
                o.scenario().role(), o.scenario().point(), o.status(),
                reason.isEmpty() ? "" : ": " + reason.replace("|", "/"), o.recoverSeconds(), o.seen(), o.kept(),
                o.auc() == null ? "-" : String.format(Locale.ROOT, "%.4f", o.auc()));
    }

    private static String table(List<Outcome> outcomes, long seed, Double undisturbed) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "%d faults injected in %d runs, seed %d; undisturbed horizontal AUC %.4f. Time to recover: from the fault to the "
                + "run's end as `meshfl runs follow` reports it. Rounds: those the submitting client saw before the fault / those the "
                + "catalog keeps.%n%n", outcomes.stream().filter(Outcome::injected).count(), outcomes.size(), seed, undisturbed));
        sb.append("| # | catalog | protocol | fault | role | point | outcome | recover s | rounds seen / kept | AUC |\n"
                + "|---|---|---|---|---|---|---|---:|---:|---:|\n");
        for (int i = 0; i < outcomes.size(); i++) sb.append(row(i + 1, outcomes.get(i))).append('\n');
        long stuck = outcomes.stream().filter(o -> o.status().equals("RUNNING") || o.status().equals("STUCK")).count();
        long lost = outcomes.stream().filter(o -> o.kept() < o.seen()).count();
        sb.append(String.format(Locale.ROOT, "%nRuns stuck: %d. Runs with a committed round lost: %d. Measured %s on %d CPU(s).%n", stuck, lost,
                java.time.ZonedDateTime.now(java.time.ZoneOffset.UTC).format(java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'")),
                Runtime.getRuntime().availableProcessors()));
        return sb.toString();
    }

    private static void writeBlock(Path doc, String table) throws Exception {
        String open = "<!-- faults -->";
        String close = "<!-- /faults -->";
        String text = Files.readString(doc);
        int a = text.indexOf(open);
        int b = text.indexOf(close);
        if (a < 0 || b < a) throw new IllegalStateException(doc + " has no " + open + " ... " + close + " block");
        Files.writeString(doc, text.substring(0, a) + open + "\n" + table.strip() + "\n" + text.substring(b));
    }
}
