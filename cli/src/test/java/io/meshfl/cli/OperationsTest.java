package io.meshfl.cli;

import io.meshfl.core.catalog.Catalog;
import io.meshfl.core.catalog.RunRecord;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A mesh of separate processes as an operator meets it: nodes started before their coordinator,
 * all at once; a coordinator killed in the middle of a run and started again; a run cancelled;
 * the health probes a platform asks.
 */
@Tag("operations")
class OperationsTest {

    @TempDir
    Path tmp;



    /** Seven lending units' products, like the demo's three. */
    private Path sevenUnits(List<String> domains) throws Exception {
        Path data = tmp.resolve("data");
        DemoData.write(data, 5);
        for (int i = 3; i < 7; i++) {
            String d = "lending-" + i;
            domains.add(d);
            Files.copy(data.resolve("data").resolve("lending-north-loans.csv"), data.resolve("data").resolve(d + "-loans.csv"));
            Files.writeString(data.resolve(d + ".loans.yaml"), Files.readString(data.resolve("lending-north.loans.yaml")).replace("lending-north", d));
        }
        return data;
    }

    @Test
    void sevenNodesStartedAtOnceBeforeTheirCoordinatorAllRegisterAndReportReady() throws Exception {
        List<String> domains = new ArrayList<>(List.of("lending-north", "lending-south", "lending-online"));
        Path data = sevenUnits(domains);
        Path certs = tmp.resolve("certs");
        assertEquals(0, Main.execute("certs", "init", "--dir", certs.toString(), "--domains", String.join(",", domains)));
        int port = ProcessMesh.freePort();
        String coordinator = "127.0.0.1:" + port;
        try (ProcessMesh mesh = new ProcessMesh(tmp.resolve("logs"))) {
            int health = ProcessMesh.freePort();
            for (String d : domains) {
                List<String> args = new ArrayList<>(List.of("node", "--domain", d, "--contracts", data.toString(), "--coordinator", coordinator,
                        "--tls-dir", certs.toString(), "--state", tmp.resolve("nodes").resolve(d).toString()));
                if (d.equals("lending-north")) args.addAll(List.of("--health", "127.0.0.1:" + health));
                mesh.start(d, args.toArray(new String[0]));
            }
            mesh.await("lending-north", Pattern.compile("health probes on"), 60_000);
            assertEquals("200 ok", ProcessMesh.get("http://127.0.0.1:" + health + "/livez"));
            String early = ProcessMesh.get("http://127.0.0.1:" + health + "/readyz");
            assertTrue(early.startsWith("503") && early.contains("not registered with a coordinator"), early);
            // every node is retrying now; the coordinator comes up late
            mesh.await("lending-north", Pattern.compile("not reachable"), 60_000);
            int coordinatorHealth = ProcessMesh.freePort();
            mesh.start("coordinator", "coordinator", "--port", String.valueOf(port), "--catalog", tmp.resolve("c").resolve("catalog").toString(),
                    "--heartbeat-ms", "500", "--tls-dir", certs.toString(), "--health", "127.0.0.1:" + coordinatorHealth);
            mesh.awaitNodes(domains.toArray(new String[0]));
            assertEquals("200 ready", ProcessMesh.get("http://127.0.0.1:" + coordinatorHealth + "/readyz"));
            assertEquals("200 ready", ProcessMesh.get("http://127.0.0.1:" + health + "/readyz"));
            assertEquals("404 serves /livez and /readyz only", ProcessMesh.get("http://127.0.0.1:" + health + "/metrics"));
        }
    }

    @Test
    void aCoordinatorKilledMidRunIsReportedInOneLineAndItsRunResumesFromItsLastCommittedRoundWhenItComesBack() throws Exception {
        List<String> domains = List.of("lending-north", "lending-south", "lending-online");
        Path certs = tmp.resolve("certs");
        assertEquals(0, Main.execute("certs", "init", "--dir", certs.toString(), "--domains", String.join(",", domains)));
        Path data = tmp.resolve("data");
        DemoData.write(data, 6);
        Files.writeString(data.resolve("job.yaml"), Files.readString(data.resolve("job.yaml")).replace("rounds: 15", "rounds: 80"));
        int port = ProcessMesh.freePort();
        String coordinator = "127.0.0.1:" + port;
        Path catalog = tmp.resolve("c").resolve("catalog");
        String[] coordinatorArgs = {"coordinator", "--port", String.valueOf(port), "--catalog", catalog.toString(), "--heartbeat-ms", "500",
                "--tls-dir", certs.toString()};
        String run;
        String undisturbed;
        try (ProcessMesh mesh = new ProcessMesh(tmp.resolve("logs"))) {
            mesh.start("coordinator", coordinatorArgs);
            for (String d : domains) mesh.node(d, data, coordinator, certs, tmp.resolve("nodes").resolve(d));
            mesh.awaitNodes(domains.toArray(new String[0]));
            Process client = mesh.start("client", "run", "--job", data.resolve("job.yaml").toString(), "--coordinator", coordinator,
                    "--tls-dir", certs.toString());
            run = mesh.await("client", Pattern.compile("run (\\S+) of job \\S+ started"), 60_000);
            mesh.await("client", Pattern.compile("round\\s+5/80"), 60_000);
            new ProcessBuilder("kill", "-9", String.valueOf(mesh.pid("coordinator"))).start().waitFor();
            assertTrue(client.waitFor(60, TimeUnit.SECONDS), "the client hangs after losing its coordinator");
            String out = mesh.text("client");
            assertNotEquals(0, client.exitValue());
            String last = out.strip().lines().reduce((a, b) -> b).orElse("");
            assertTrue(last.startsWith("error: ") && last.contains("lost the coordinator at " + coordinator)
                    && last.contains("meshfl runs follow " + run), last);
            assertTrue(out.lines().noneMatch(l -> l.contains("StatusRuntimeException") || l.startsWith("\tat ")), "one line, no stack trace:\n" + out);
            int seen = (int) out.lines().filter(l -> l.matches("round\\s+\\d+/80.*")).count();

            mesh.start("coordinator-2", coordinatorArgs);
            int from = Integer.parseInt(mesh.await("coordinator-2", Pattern.compile("run " + Pattern.quote(run)
                    + " of job \\S+ was left RUNNING; it resumes after round (\\d+)"), 60_000));
            assertTrue(from >= seen, "every round the client saw was committed first: resumed after " + from + ", " + seen + " seen");
            // the restarted coordinator decides on its runs before it opens its port
            mesh.await("coordinator-2", Pattern.compile("coordinator listening on"), 60_000);
            Cli.Result follow = Cli.run("runs", "follow", run, "--coordinator", coordinator, "--tls-dir", certs.toString());
            assertEquals(0, follow.code(), follow.output());
            assertTrue(follow.output().contains("resumed after round " + from), follow.output());
            assertTrue(follow.output().contains("run " + run + " ended SUCCEEDED"), follow.output());
            // the same job, undisturbed, on the same mesh: the resumed run must have trained the same model
            Cli.Result again = Cli.run("run", "--job", data.resolve("job.yaml").toString(), "--coordinator", coordinator, "--tls-dir", certs.toString());
            assertEquals(0, again.code(), again.output());
            var m = Pattern.compile("run (\\S+) of job \\S+ started").matcher(again.output());
            assertTrue(m.find(), again.output());
            undisturbed = m.group(1);
            mesh.stop("coordinator-2");
        }
        try (Catalog c = Catalog.open(catalog)) {
            RunRecord resumed = c.run(run).orElseThrow();
            assertEquals(RunRecord.SUCCEEDED, resumed.status(), resumed.error());
            List<Integer> rounds = c.rounds(run).stream().map(io.meshfl.core.catalog.RoundRecord::round).toList();
            assertEquals(java.util.stream.IntStream.rangeClosed(1, 80).boxed().toList(), rounds, "every round once, none lost, none twice");
            assertEquals(1, new io.meshfl.core.catalog.RunCheckpoints(c).resumes(run).size());
            assertTrue(new io.meshfl.core.catalog.RunCheckpoints(c).latest(run).isEmpty(), "an ended run keeps no checkpoint");
            assertTrue(c.modelsForRun(run).get(0).provenanceJson().contains("\"resumed\""), "the model's provenance says the run resumed");
            double auc = io.meshfl.core.report.RunReport.JSON.readTree(resumed.metricsJson()).path("auc").asDouble();
            double plain = io.meshfl.core.report.RunReport.JSON.readTree(c.run(undisturbed).orElseThrow().metricsJson()).path("auc").asDouble();
            assertTrue(Math.abs(auc - plain) <= 0.005, "resumed run's AUC " + auc + ", undisturbed " + plain);
        }
    }

    @Test
    void aNodeKilledAndRestartedDuringAHorizontalRunTakesPartAgainAndTheRunSaysItRanDegraded() throws Exception {
        List<String> domains = List.of("lending-north", "lending-south", "lending-online");
        Path certs = tmp.resolve("certs");
        assertEquals(0, Main.execute("certs", "init", "--dir", certs.toString(), "--domains", String.join(",", domains)));
        Path data = tmp.resolve("data");
        DemoData.write(data, 9);
        Files.writeString(data.resolve("job.yaml"), Files.readString(data.resolve("job.yaml")).replace("rounds: 15", "rounds: 600"));
        Path catalog = tmp.resolve("c").resolve("catalog");
        Path report = tmp.resolve("report.json");
        try (ProcessMesh mesh = new ProcessMesh(tmp.resolve("logs"))) {
            String coordinator = mesh.coordinator(certs, catalog);
            for (String d : domains) mesh.node(d, data, coordinator, certs, tmp.resolve("nodes").resolve(d));
            mesh.awaitNodes(domains.toArray(new String[0]));
            Process client = mesh.start("client", "run", "--job", data.resolve("job.yaml").toString(), "--coordinator", coordinator,
                    "--tls-dir", certs.toString(), "--report", report.toString());
            mesh.await("client", Pattern.compile("round\\s+10/600"), 60_000);
            new ProcessBuilder("kill", "-9", String.valueOf(mesh.pid("lending-online"))).start().waitFor();
            mesh.await("client", Pattern.compile("round\\s+\\d+/600 .*nodes=2"), 60_000);
            // the same node, same state folder, started again: it registers and is prepared afresh
            mesh.start("lending-online-2", "node", "--domain", "lending-online", "--contracts", data.toString(), "--coordinator", coordinator,
                    "--tls-dir", certs.toString(), "--state", tmp.resolve("nodes").resolve("lending-online").toString());
            mesh.await("lending-online-2", Pattern.compile("registered with"), 60_000);
            assertTrue(client.waitFor(4, TimeUnit.MINUTES), "the run did not end");
            assertEquals(0, client.exitValue(), mesh.text("client"));
            mesh.stop("coordinator");
        }
        var r = io.meshfl.core.report.RunReport.JSON.readTree(report.toFile());
        double degraded = r.path("metrics").path("rounds_degraded").asDouble();
        assertTrue(degraded > 0 && degraded < 600, "the run says it ran degraded: " + r.path("metrics"));
        try (Catalog c = Catalog.open(catalog)) {
            var rounds = c.rounds(r.path("run_id").asText());
            int lastDegraded = 0;
            for (var x : rounds) if (x.failuresJson() != null && x.failuresJson().contains("lending-online")) lastDegraded = x.round();
            assertTrue(lastDegraded > 10, "rounds without the node are recorded with it");
            assertTrue(lastDegraded < 600, "the node was back before the end");
            assertEquals(3, rounds.get(rounds.size() - 1).nodesOk(), "the restarted node takes part again");
        }
    }

    @Test
    void aCancelledRunEndsCancelledAndItsPartiesDropIt() throws Exception {
        List<String> domains = List.of("lending-north", "lending-south", "lending-online");
        Path certs = tmp.resolve("certs");
        assertEquals(0, Main.execute("certs", "init", "--dir", certs.toString(), "--domains", String.join(",", domains)));
        assertEquals(0, Main.execute("certs", "add", "--dir", certs.toString(), "--client", "eve"));
        Path data = tmp.resolve("data");
        DemoData.write(data, 8);
        Files.writeString(data.resolve("job.yaml"), Files.readString(data.resolve("job.yaml")).replace("rounds: 15", "rounds: 400"));
        try (ProcessMesh mesh = new ProcessMesh(tmp.resolve("logs"))) {
            String coordinator = mesh.coordinator(certs, tmp.resolve("c").resolve("catalog"));
            for (String d : domains) mesh.node(d, data, coordinator, certs, tmp.resolve("nodes").resolve(d));
            mesh.awaitNodes(domains.toArray(new String[0]));
            Process client = mesh.start("client", "run", "--job", data.resolve("job.yaml").toString(), "--coordinator", coordinator,
                    "--tls-dir", certs.toString());
            String run = mesh.await("client", Pattern.compile("run (\\S+) of job \\S+ started"), 60_000);
            mesh.await("client", Pattern.compile("round\\s+3/400"), 60_000);
            // only its submitter (or the operator of the coordinator) may stop a run
            Cli.Result other = Cli.run("runs", "cancel", run, "--coordinator", coordinator, "--tls-dir", certs.toString(), "--tls-identity", "client:eve");
            assertEquals(2, other.code(), other.output());
            assertTrue(other.output().contains("was submitted by client:operator; client:eve may not cancel it"), other.output());
            Cli.Result cancel = Cli.run("runs", "cancel", run, "--coordinator", coordinator, "--tls-dir", certs.toString());
            assertEquals(0, cancel.code(), cancel.output());
            assertTrue(client.waitFor(60, TimeUnit.SECONDS));
            assertTrue(mesh.text("client").contains("cancelled by client:operator"), mesh.text("client"));
            for (String d : domains) mesh.await(d, Pattern.compile("run " + Pattern.quote(run) + " ended CANCELLED: its state and model parts"), 30_000);
            mesh.stop("coordinator");
        }
        try (Catalog c = Catalog.open(tmp.resolve("c").resolve("catalog"))) {
            RunRecord r = c.runs().get(0);
            assertEquals(RunRecord.CANCELLED, r.status());
            assertTrue(c.modelsForRun(r.id()).isEmpty());
            assertEquals("CANCELLED", c.job(r.jobId()).orElseThrow().status());
        }
    }
}
