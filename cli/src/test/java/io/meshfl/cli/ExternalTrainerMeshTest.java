package io.meshfl.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshfl.core.report.RunReport;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A network written in PyTorch trained across the three card units of default-credit-homo: a
 * coordinator and three nodes in separate processes over mutual TLS, each node starting the
 * example's PyTorch trainer beside it (Debian's python3-torch through MeshFL's Python SDK). The
 * same job with MeshFL's own MLP of the same architecture runs on the same mesh, from the same
 * starting vector; the two must agree within 0.005 AUC.
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

    @Test
    void aPyTorchNetworkThroughExternalTrainersMatchesMeshflsOwnMlpOnDefaultCredit() throws Exception {
        assumeTrue(SharedData.present(), "../shared/datasets is absent");
        String missing = pythonMissing();
        if (missing != null) throw new AssertionError("the external trainer suite needs " + missing + " (.ci/run installs them)");
        Path repo = SharedData.repoRoot();
        Path examples = repo.resolve("examples/default-credit-homo");
        Path certs = tmp.resolve("certs");
        List<String> domains = List.of("cards-east", "cards-west", "cards-south");
        assertEquals(0, Main.execute("certs", "init", "--dir", certs.toString(), "--domains", String.join(",", domains), "--days", "1"));
        String trainer = "credit-mlp=" + PYTHON + " -m meshfl_trainer --path " + examples.resolve("trainer") + " credit_mlp:make";
        Map<String, String> env = Map.of("PYTHONPATH", repo.resolve("clients/python").toString());
        try (ProcessMesh mesh = new ProcessMesh(tmp.resolve("logs"))) {
            String coordinator = mesh.coordinator(certs, tmp.resolve("catalog"));
            for (String d : domains) {
                mesh.start(d, env, "node", "--domain", d, "--contracts", examples.toString(), "--coordinator", coordinator, "--tls-dir",
                        certs.toString(), "--state", tmp.resolve("nodes").resolve(d).toString(), "--trainer", trainer);
            }
            mesh.awaitNodes(domains.toArray(new String[0]));

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

    private JsonNode run(String coordinator, Path certs, String job, String name) throws Exception {
        Path file = tmp.resolve("job-" + name + ".yaml");
        Files.writeString(file, job);
        Path report = tmp.resolve("report-" + name + ".json");
        assertEquals(0, Main.execute("run", "--job", file.toString(), "--coordinator", coordinator, "--report", report.toString(), "--tls-dir",
                certs.toString()));
        return RunReport.JSON.readTree(report.toFile());
    }
}
