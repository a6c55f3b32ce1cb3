package io.meshfl.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshfl.core.report.RunReport;
import io.meshfl.core.testing.PostgresCluster;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The mesh with its catalog on a real PostgreSQL server over TLS: embedded runs, a coordinator process, the audit verified. */
@Tag("postgres")
class PostgresMeshTest {

    @TempDir
    static Path tmp;

    @org.junit.jupiter.api.extension.RegisterExtension
    static final PostgresCluster.PerClass PG = new PostgresCluster.PerClass();

    @Test
    void anEmbeddedRunKeepsItsRecordsSignedAndChainedInPostgres() throws Exception {
        String url = PG.get().createDatabase("embedded");
        Path pw = tmp.resolve("pw");
        Files.writeString(pw, PG.get().password());
        Files.setPosixFilePermissions(pw, PosixFilePermissions.fromString("rw-------"));
        Path data = tmp.resolve("demo");
        DemoData.write(data, 3);
        Files.writeString(data.resolve("job.yaml"), Files.readString(data.resolve("job.yaml")).replace("rounds: 15", "rounds: 3"));
        Path state = tmp.resolve("state");
        Path report = tmp.resolve("report.json");
        Cli.Result run = Cli.run("run", "--job", data.resolve("job.yaml").toString(), "--catalog", url, "--catalog-user", PostgresCluster.USER,
                "--catalog-password-file", pw.toString(), "--state", state.toString(), "--report", report.toString());
        assertEquals(0, run.code(), run.output());
        String runId = RunReport.JSON.readTree(report.toFile()).path("run_id").asText();
        Cli.Result runs = Cli.run("catalog", "--catalog", url, "--catalog-user", PostgresCluster.USER, "--catalog-password-file", pw.toString(), "runs");
        assertEquals(0, runs.code(), runs.output());
        assertTrue(runs.output().contains(runId) && runs.output().contains("SUCCEEDED"), runs.output());
        Cli.Result verify = Cli.run("audit", "verify", "--catalog", url, "--catalog-user", PostgresCluster.USER, "--catalog-password-file",
                pw.toString(), "--ca", state.resolve("certs").resolve("ca.pem").toString(), "--node-audit",
                state.resolve("nodes").resolve("lending-north").toString());
        assertEquals(0, verify.code(), verify.output());
        assertTrue(verify.output().contains("1 signed") && verify.output().contains("verified"), verify.output());

        // a password file others can read is refused, naming it
        Files.setPosixFilePermissions(pw, PosixFilePermissions.fromString("rw-r--r--"));
        Cli.Result open = Cli.run("catalog", "--catalog", url, "--catalog-user", PostgresCluster.USER, "--catalog-password-file", pw.toString(), "runs");
        assertEquals(2, open.code(), open.output());
        assertTrue(open.output().contains("catalog password file " + pw), open.output());
    }

    @Test
    void aCoordinatorProcessRunsJobsOnAPostgresCatalog() throws Exception {
        String url = PG.get().createDatabase("coordinated");
        Path certs = tmp.resolve("certs");
        List<String> domains = List.of("lending-north", "lending-south", "lending-online");
        assertEquals(0, Main.execute("certs", "init", "--dir", certs.toString(), "--domains", String.join(",", domains)));
        Path data = tmp.resolve("demo2");
        DemoData.write(data, 4);
        Files.writeString(data.resolve("job.yaml"), Files.readString(data.resolve("job.yaml")).replace("rounds: 15", "rounds: 3"));
        try (ProcessMesh mesh = new ProcessMesh(tmp.resolve("logs"))) {
            String coordinator = mesh.coordinator(certs, Map.of("MESHFL_CATALOG_PASSWORD", PG.get().password()), "--catalog", url,
                    "--catalog-user", PostgresCluster.USER);
            for (String d : domains) mesh.node(d, data, coordinator, certs, tmp.resolve("nodes").resolve(d));
            mesh.awaitNodes(domains.toArray(new String[0]));
            Path report = tmp.resolve("remote.json");
            Cli.Result r = Cli.run("run", "--job", data.resolve("job.yaml").toString(), "--coordinator", coordinator, "--tls-dir", certs.toString(),
                    "--report", report.toString());
            assertEquals(0, r.code(), r.output());
            JsonNode rep = RunReport.JSON.readTree(report.toFile());
            assertTrue(rep.path("metrics").path("auc").asDouble() > 0.6, rep.path("metrics").toString());
            assertTrue(mesh.text("coordinator").contains("catalog jdbc:postgresql://127.0.0.1:" + PG.get().port() + "/coordinated"), mesh.text("coordinator"));
            // unlike the embedded catalog, a server catalog is shared: it can be read while the coordinator runs
            Cli.Result runs = Cli.run("catalog", "--catalog", url, "--catalog-user", PostgresCluster.USER, "--catalog-password-file",
                    writePassword().toString(), "runs");
            assertTrue(runs.output().contains(rep.path("run_id").asText()), runs.output());
        }
    }

    @Test
    void aStandbyCoordinatorTakesOverWithinTenSecondsOfTheActiveOnesDeathAndResumesItsRun() throws Exception {
        String url = PG.get().createDatabase("failover");
        Path certs = tmp.resolve("certs-failover");
        List<String> domains = List.of("lending-north", "lending-south", "lending-online");
        assertEquals(0, Main.execute("certs", "init", "--dir", certs.toString(), "--domains", String.join(",", domains)));
        Path data = tmp.resolve("demo-failover");
        DemoData.write(data, 7);
        Files.writeString(data.resolve("job.yaml"), Files.readString(data.resolve("job.yaml")).replace("rounds: 15", "rounds: 80"));
        String active = "127.0.0.1:" + ProcessMesh.freePort();
        String standby = "127.0.0.1:" + ProcessMesh.freePort();
        String both = active + "," + standby;
        int probe = ProcessMesh.freePort();
        Map<String, String> env = Map.of("MESHFL_CATALOG_PASSWORD", PG.get().password());
        try (ProcessMesh mesh = new ProcessMesh(tmp.resolve("logs-failover"))) {
            mesh.start("coordinator-a", env, coordinatorArgs(active, url, certs));
            mesh.await("coordinator-a", java.util.regex.Pattern.compile("coordinator listening on"), 60_000);
            List<String> b = new java.util.ArrayList<>(List.of(coordinatorArgs(standby, url, certs)));
            b.addAll(List.of("--health", "127.0.0.1:" + probe));
            mesh.start("coordinator-b", env, b.toArray(new String[0]));
            mesh.await("coordinator-b", java.util.regex.Pattern.compile("standing by: another coordinator holds the lease"), 60_000);
            String waiting = ProcessMesh.get("http://127.0.0.1:" + probe + "/readyz");
            assertTrue(waiting.startsWith("503") && waiting.contains("standing by"), waiting);
            for (String d : domains) {
                mesh.start(d, "node", "--domain", d, "--contracts", data.toString(), "--coordinator", both, "--tls-dir", certs.toString(),
                        "--state", tmp.resolve("nodes-failover").resolve(d).toString());
            }
            mesh.awaitNodes(domains.toArray(new String[0]));
            Process client = mesh.start("client", "run", "--job", data.resolve("job.yaml").toString(), "--coordinator", both,
                    "--tls-dir", certs.toString());
            String run = mesh.await("client", java.util.regex.Pattern.compile("run (\\S+) of job \\S+ started"), 60_000);
            mesh.await("client", java.util.regex.Pattern.compile("round\\s+5/80"), 60_000);
            long killed = System.nanoTime();
            new ProcessBuilder("kill", "-9", String.valueOf(mesh.pid("coordinator-a"))).start().waitFor();
            mesh.await("coordinator-b", java.util.regex.Pattern.compile("took the catalog's lease"), 30_000);
            double takeover = (System.nanoTime() - killed) / 1e9;
            String from = mesh.await("coordinator-b", java.util.regex.Pattern.compile("run " + java.util.regex.Pattern.quote(run)
                    + " of job \\S+ was left RUNNING; it resumes after round (\\d+)"), 30_000);
            mesh.await("coordinator-b", java.util.regex.Pattern.compile("run " + java.util.regex.Pattern.quote(run) + " resumes after round"), 60_000);
            double resumed = (System.nanoTime() - killed) / 1e9;
            System.out.printf(java.util.Locale.ROOT, "fail-over: standby took the lease %.2f s after the active coordinator's kill -9; "
                    + "run resumed after round %s at %.2f s%n", takeover, from, resumed);
            assertTrue(takeover < 10, "the standby took over " + takeover + " s after the active one died");
            assertTrue(client.waitFor(60, java.util.concurrent.TimeUnit.SECONDS), "the client hangs after losing its coordinator");
            assertTrue(mesh.text("client").contains("meshfl runs follow " + run), mesh.text("client"));
            Cli.Result follow = Cli.run("runs", "follow", run, "--coordinator", both, "--tls-dir", certs.toString());
            assertEquals(0, follow.code(), follow.output());
            assertTrue(follow.output().contains("run " + run + " ended SUCCEEDED"), follow.output());
            assertEquals("200 ready", ProcessMesh.get("http://127.0.0.1:" + probe + "/readyz"));
        }
        Cli.Result runs = Cli.run("catalog", "--catalog", url, "--catalog-user", PostgresCluster.USER, "--catalog-password-file",
                writePassword().toString(), "runs");
        assertTrue(runs.output().lines().anyMatch(l -> l.contains("SUCCEEDED")) && runs.output().lines().noneMatch(l -> l.contains("RUNNING")),
                runs.output());
    }

    private static String[] coordinatorArgs(String at, String url, Path certs) {
        return new String[]{"coordinator", "--port", at.substring(at.indexOf(':') + 1), "--catalog", url, "--catalog-user", PostgresCluster.USER,
                "--heartbeat-ms", "500", "--tls-dir", certs.toString()};
    }



    private static Path writePassword() throws Exception {
        Path pw = tmp.resolve("pw2");
        Files.writeString(pw, PG.get().password());
        Files.setPosixFilePermissions(pw, PosixFilePermissions.fromString("rw-------"));
        return pw;
    }
}
