package io.meshfl.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshfl.core.catalog.Catalog;
import io.meshfl.core.catalog.RoundRecord;
import io.meshfl.core.catalog.RunRecord;
import io.meshfl.core.report.RunReport;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A network written in PyTorch trained across the three card units of default-credit-homo: a
 * coordinator and three nodes in separate processes over mutual TLS, each node starting the
 * example's PyTorch trainer beside it (Debian's python3-torch through MeshFL's Python SDK). The
 * same job with MeshFL's own MLP of the same architecture runs on the same mesh, from the same
 * starting vector; the two must agree within 0.005 AUC. A trainer killed in the middle of a run is
 * its node's failure, as a killed node is: the run goes on with the other nodes.
 */
@Tag("realdata")
class ExternalTrainerMeshTest {

    @TempDir
    Path tmp;

    static final Path PYTHON = Path.of("/usr/bin/python3");

    /** Whether Debian's Python holds what the SDK needs; the reason when not. */
    static String pythonMissing() throws Exception {
        if (!Files.isExecutable(PYTHON)) return PYTHON + " is absent";
        Process p = new ProcessBuilder(PYTHON.toString(), "-c", "import torch, grpc, numpy, google.protobuf").redirectErrorStream(true).start();
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) return "Debian's python3-torch, python3-grpcio, python3-numpy or python3-protobuf is missing";
        return null;
    }

    static final List<String> DOMAINS = List.of("cards-east", "cards-west", "cards-south");

    /** The example's folder, once the data, Debian's Python packages and the mesh's certificates (in tmp/certs) are there. */
    private Path prerequisites() throws Exception {
        assumeTrue(SharedData.present(), "../shared/datasets is absent");
        String missing = pythonMissing();
        if (missing != null) throw new AssertionError("the external trainer suite needs " + missing + " (.ci/run installs them)");
        assertEquals(0, Main.execute("certs", "init", "--dir", tmp.resolve("certs").toString(), "--domains", String.join(",", DOMAINS), "--days", "1"));
        return SharedData.repoRoot().resolve("examples/default-credit-homo");
    }

    /** A coordinator over {@code catalog} and the three card units' nodes, each starting the example's PyTorch trainer; its address. */
    private String start(ProcessMesh mesh, Path examples, Path catalog) throws Exception {
        Path certs = tmp.resolve("certs");
        String trainer = "credit-mlp=" + PYTHON + " -m meshfl_trainer --path " + examples.resolve("trainer") + " credit_mlp:make";
        Map<String, String> env = Map.of("PYTHONPATH", SharedData.repoRoot().resolve("clients/python").toString());
        String coordinator = mesh.coordinator(certs, catalog);
        for (String d : DOMAINS) {
            mesh.start(d, env, "node", "--domain", d, "--contracts", examples.toString(), "--coordinator", coordinator, "--tls-dir",
                    certs.toString(), "--state", tmp.resolve("nodes").resolve(d).toString(), "--trainer", trainer);
        }
        mesh.awaitNodes(DOMAINS.toArray(new String[0]));
        return coordinator;
    }

    @Test
    void aPyTorchNetworkThroughExternalTrainersMatchesMeshflsOwnMlpOnDefaultCredit() throws Exception {
        Path examples = prerequisites();
        Path certs = tmp.resolve("certs");
        List<String> domains = DOMAINS;
        try (ProcessMesh mesh = new ProcessMesh(tmp.resolve("logs"))) {
            String coordinator = start(mesh, examples, tmp.resolve("catalog"));

            String external = Files.readString(examples.resolve("job-external.yaml"));
            String own = external.replace("name: default-credit-homo-external", "name: default-credit-homo-mlp")
                    .replaceAll("(?s)model:\\n.*?objective: binary\\n", "model: {type: mlp, hidden: [16]}\n");
            assertTrue(own.contains("type: mlp") && !own.contains("type: external"), own);
            JsonNode ours = run(coordinator, certs, own, "own");
            JsonNode theirs = run(coordinator, certs, external, "external");
            double a = ours.path("metrics").path("auc").asDouble(), b = theirs.path("metrics").path("auc").asDouble();
            System.out.printf("default-credit-homo AUC: MeshFL MLP %.4f, PyTorch through external trainers %.4f (difference %.4f)%n", a, b, b - a);
            assertTrue(a > 0.70, "MeshFL's own MLP learned: " + a);
            assertTrue(Math.abs(a - b) <= 0.005, "within 0.005 AUC of MeshFL's own MLP: " + a + " vs " + b);
            for (String name : List.of("coordinator", "cards-east", "cards-west", "cards-south")) assertTrue(mesh.alive(name), name + " died");
            // every trainer was stopped with its job: no socket folder holds a live socket
            for (String d : domains) {
                try (var folders = Files.walk(tmp.resolve("nodes").resolve(d))) {
                    assertTrue(folders.noneMatch(f -> f.getFileName().toString().equals("trainer.sock")), d + " left a trainer socket");
                }
            }
        }
    }

    /**
     * One node's trainer killed with SIGKILL once round 3 has shown: the node stays up and reports
     * each later step as its failure, naming the trainer and how it ended; the run goes on with the
     * other two nodes (the job's minNodes is 2), records the failure in every round without the node
     * and ends SUCCEEDED saying it ran degraded, as a run whose node was killed does.
     */
    @Test
    void aTrainerKilledMidRunIsItsNodesFailureAndTheRunGoesOnWithoutIt() throws Exception {
        Path examples = prerequisites();
        Path certs = tmp.resolve("certs");
        List<String> domains = DOMAINS;
        String victim = "cards-south";
        Path catalog = tmp.resolve("catalog");
        Path report = tmp.resolve("report-killed.json");
        String run;
        long trainerPid;
        try (ProcessMesh mesh = new ProcessMesh(tmp.resolve("logs"))) {
            String coordinator = start(mesh, examples, catalog);
            Process client = mesh.start("client", "run", "--job", examples.resolve("job-external.yaml").toString(), "--coordinator", coordinator,
                    "--tls-dir", certs.toString(), "--report", report.toString());
            run = mesh.await("client", Pattern.compile("run (\\S+) of job \\S+ started"), 120_000);
            mesh.await("client", Pattern.compile("round\\s+3/20"), 300_000);
            // the trainer the node started beside it for this job
            List<ProcessHandle> trainers = ProcessHandle.of(mesh.pid(victim)).orElseThrow().descendants()
                    .filter(h -> h.isAlive() && h.info().commandLine().orElse("").contains("meshfl_trainer")).toList();
            assertEquals(1, trainers.size(), "one trainer runs beside " + victim + ": " + trainers);
            trainerPid = trainers.get(0).pid();
            assertEquals(0, new ProcessBuilder("kill", "-9", String.valueOf(trainerPid)).start().waitFor());
            assertTrue(client.waitFor(5, TimeUnit.MINUTES), "the run did not end; client:\n" + mesh.text("client"));
            String out = mesh.text("client");
            assertEquals(0, client.exitValue(), out);
            assertTrue(out.lines().anyMatch(l -> l.matches("round\\s+\\d+/20 .*nodes=2.*")), "rounds went on with two nodes:\n" + out);
            assertTrue(mesh.alive(victim), "the node of " + victim + " died with its trainer:\n" + mesh.text(victim));
            for (String name : List.of("coordinator", "cards-east", "cards-west")) assertTrue(mesh.alive(name), name + " died");
            assertTrue(ProcessHandle.of(trainerPid).map(h -> !h.isAlive()).orElse(true), "the killed trainer is gone");
            mesh.stop("coordinator");
        }
        JsonNode r = RunReport.JSON.readTree(report.toFile());
        assertTrue(r.path("metrics").path("rounds_degraded").asInt() > 0, "the run says it ran degraded: " + r.path("metrics"));
        try (Catalog c = Catalog.open(catalog)) {
            RunRecord rec = c.run(run).orElseThrow();
            assertEquals(RunRecord.SUCCEEDED, rec.status(), rec.error());
            List<RoundRecord> rounds = c.rounds(run);
            assertEquals(java.util.stream.IntStream.rangeClosed(1, 20).boxed().toList(), rounds.stream().map(RoundRecord::round).toList());
            List<RoundRecord> without = rounds.stream().filter(x -> x.nodesFailed() > 0).toList();
            assertTrue(!without.isEmpty(), "a round records the node's failure: " + rounds);
            String reason = without.get(0).failuresJson();
            System.out.println("round " + without.get(0).round() + " without " + victim + ": " + reason);
            assertTrue(reason != null && reason.contains(victim) && reason.contains("the trainer credit-mlp of node")
                    && reason.contains("exited with code 137"), "the failure names the node, its trainer and how it ended: " + reason);
            assertTrue(without.get(0).round() >= 3, "the failure came after the kill: round " + without.get(0).round());
            for (RoundRecord x : without) assertEquals(2, x.nodesOk(), "the other two nodes went on in round " + x.round());
            assertEquals(without.size(), rounds.size() - without.get(0).round() + 1, "every round after the kill went on without the node");
        }
        // the node stopped the dead trainer with the job: no socket is left in its trainer folders
        try (var folders = Files.walk(tmp.resolve("nodes").resolve(victim))) {
            assertTrue(folders.noneMatch(f -> f.getFileName().toString().equals("trainer.sock")), victim + " left a trainer socket");
        }
    }

    private JsonNode run(String coordinator, Path certs, String job, String name) throws Exception {
        return run(tmp, coordinator, certs, job, name);
    }

    /** {@code job} written to {@code dir} and run with 'meshfl run' on the coordinator at {@code coordinator}; its report. */
    static JsonNode run(Path tmp, String coordinator, Path certs, String job, String name) throws Exception {
        Path file = tmp.resolve("job-" + name + ".yaml");
        Files.writeString(file, job);
        Path report = tmp.resolve("report-" + name + ".json");
        assertEquals(0, Main.execute("run", "--job", file.toString(), "--coordinator", coordinator, "--report", report.toString(), "--tls-dir",
                certs.toString()));
        return RunReport.JSON.readTree(report.toFile());
    }
}
