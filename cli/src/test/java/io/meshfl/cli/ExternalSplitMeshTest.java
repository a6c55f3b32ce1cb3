package io.meshfl.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshfl.core.report.RunReport;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Split networks written in PyTorch over the FATE hetero data: a coordinator and both parties'
 * nodes in separate processes over mutual TLS, each node starting the example's PyTorch trainer
 * beside it (its bottom; the label holder's also runs the top and computes the loss). MeshFL's own
 * split network of the same layers (labels kept by their holder, numeric columns) trains on the same
 * mesh in the same test; the two must agree within 0.005 AUC on the same held-out rows. The stored
 * external networks then score the products through the trainers with {@code meshfl predict}.
 */
@Tag("realdata")
class ExternalSplitMeshTest {

    @TempDir
    Path tmp;

    @Test
    void aPyTorchSplitNetworkMatchesMeshflsOwnOnBreastHetero() throws Exception {
        compare("breast-hetero", "breast-split", "breast_split", List.of("oncology", "radiology"), "bottomHidden: [16], topHidden: [8], ");
    }

    @Test
    void aPyTorchSplitNetworkMatchesMeshflsOwnOnDefaultCreditHetero() throws Exception {
        compare("default-credit-hetero", "credit-split", "credit_split", List.of("lending", "payments"), "bottomHidden: [32], topHidden: [16], ");
    }

    /** The example's external split job and MeshFL's own network of the same layers ({@code layers}), run on one mesh. */
    private void compare(String example, String trainer, String module, List<String> domains, String layers) throws Exception {
        assumeTrue(SharedData.present(), "../shared/datasets is absent");
        String missing = ExternalTrainerMeshTest.pythonMissing();
        if (missing != null) throw new AssertionError("the external trainer suite needs " + missing + " (.ci/run installs them)");
        Path certs = tmp.resolve("certs");
        assertEquals(0, Main.execute("certs", "init", "--dir", certs.toString(), "--domains", String.join(",", domains), "--days", "1"));
        Path examples = SharedData.repoRoot().resolve("examples").resolve(example);
        String external = Files.readString(examples.resolve("job-external-split.yaml"));
        // MeshFL's own network: the same settings and layers, model splitnn in place of the declared PyTorch tensors
        String own = external.replace("name: " + example + "-external-split", "name: " + example + "-own-split")
                .replaceAll("(?s)model:\\n.*?\\nsplit: \\{", "model: {type: splitnn}\nsplit: {" + layers);
        assertTrue(own.contains("type: splitnn") && !own.contains("trainer:") && own.contains(layers), own);
        String command = trainer + "=" + ExternalTrainerMeshTest.PYTHON + " -m meshfl_trainer --path " + examples.resolve("trainer") + " " + module + ":make";
        Map<String, String> env = Map.of("PYTHONPATH", SharedData.repoRoot().resolve("clients/python").toString());
        try (ProcessMesh mesh = new ProcessMesh(tmp.resolve("logs"))) {
            String coordinator = mesh.coordinator(certs, tmp.resolve("catalog"));
            for (String d : domains) {
                mesh.start(d, env, "node", "--domain", d, "--contracts", examples.toString(), "--coordinator", coordinator, "--tls-dir",
                        certs.toString(), "--state", tmp.resolve("nodes").resolve(d).toString(), "--trainer", command);
            }
            mesh.awaitNodes(domains.toArray(new String[0]));
            long t0 = System.nanoTime();
            JsonNode ours = run(coordinator, certs, own, "own");
            long t1 = System.nanoTime();
            JsonNode theirs = run(coordinator, certs, external, "external");
            long t2 = System.nanoTime();
            double a = ours.path("metrics").path("auc").asDouble(), b = theirs.path("metrics").path("auc").asDouble();
            System.out.printf(Locale.ROOT, "%s held-out AUC: MeshFL split network %.4f (%.1f s), PyTorch bottoms and top through external trainers "
                    + "%.4f (%.1f s), difference %.4f%n", example, a, (t1 - t0) / 1e9, b, (t2 - t1) / 1e9, b - a);
            assertTrue(a > 0.70, "MeshFL's own split network learned: " + a);
            assertTrue(Math.abs(a - b) <= 0.005, "within 0.005 AUC of MeshFL's own split network: " + a + " vs " + b);
            assertTrue(theirs.path("metrics").has("train_auc"), "held-out and training metrics apart: " + theirs.path("metrics"));
            // the stored networks score through the trainers again: each party's bottom from the part its node kept, the top in the
            // label holder's trainer
            Path scored = tmp.resolve("predict.json");
            String products = String.join(",", external.lines().filter(l -> l.startsWith("products:")).findFirst().orElseThrow()
                    .replaceAll("products: \\[|\\]", "").split(",\\s*"));
            assertEquals(0, Main.execute("predict", "--model", theirs.path("model_id").asText(), "--products", products, "--coordinator",
                    coordinator, "--tls-dir", certs.toString(), "--report", scored.toString()));
            JsonNode p = RunReport.JSON.readTree(scored.toFile());
            System.out.println(example + " scored through the trainers: " + p);
            assertTrue(p.path("rows").asInt() > 0 && !p.path("predictions").asText().isEmpty(), p.toString());
            assertTrue(p.path("metrics").path("auc").asDouble() > 0.70, "the stored networks score as trained: " + p.path("metrics"));
            for (String name : domains) assertTrue(mesh.alive(name), name + " died");
        }
        // every trainer was stopped with its job
        for (String d : domains) {
            try (var files = Files.walk(tmp.resolve("nodes").resolve(d))) {
                assertTrue(files.noneMatch(f -> f.getFileName().toString().equals("trainer.sock")), d + " left a trainer socket");
            }
        }
    }

    private JsonNode run(String coordinator, Path certs, String job, String name) throws Exception {
        return ExternalTrainerMeshTest.run(tmp, coordinator, certs, job, name);
    }
}
