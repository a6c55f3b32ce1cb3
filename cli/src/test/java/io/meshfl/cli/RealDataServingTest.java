package io.meshfl.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshfl.coordinator.JobObserver;
import io.meshfl.coordinator.PredictOptions;
import io.meshfl.core.catalog.Catalog;
import io.meshfl.core.contract.ContractLoader;
import io.meshfl.core.plan.JobLoader;
import io.meshfl.core.protocol.scoring.Missing;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Online serving on the FATE breast-hetero data: the example's SecureBoost trees and split network,
 * served from oncology's own session, answer every patient as batch scoring of the same model does.
 */
@Tag("realdata")
class RealDataServingTest {

    @TempDir
    Path dir;

    @Test
    void breastHeteroBoostedTreesAndSplitNetworkServedOnlineAsBatchScoringGives() throws Exception {
        assumeTrue(SharedData.present(), "../shared/datasets is absent");
        Path example = SharedData.repoRoot().resolve("examples/breast-hetero");
        // oncology serves from its own process: both owners grant it scoring
        String grant = "    - {identity: \"client:operator\", may: [train, predict], protocols: [vertical, split, secureboost]}\n";
        String grants = grant + "    - {identity: \"domain:oncology\", may: [predict], protocols: [split, secureboost]}\n";
        for (String[] c : new String[][]{{"oncology.diagnosis.yaml", "breast_hetero_guest.csv"}, {"radiology.imaging.yaml", "breast_hetero_host.csv"}}) {
            String yaml = Files.readString(example.resolve(c[0])).replace("../../../shared/datasets/" + c[1],
                    SharedData.datasets().resolve(c[1]).toString());
            assertTrue(yaml.contains(grant), "the example's grant to the operator");
            Files.writeString(dir.resolve(c[0]), yaml.replace(grant, grants));
        }
        List<String> products = List.of("oncology.diagnosis", "radiology.imaging");
        JobObserver quiet = JobObserver.logging(line -> System.out.println("  " + line));
        try (Catalog cat = Catalog.inMemory("real-serving" + System.nanoTime());
             EmbeddedMesh mesh = new EmbeddedMesh(cat, ContractLoader.loadDirectory(dir), s -> { })) {
            for (String jobFile : List.of("job-gbdt.yaml", "job-splitnn.yaml")) {
                String job = Files.readString(example.resolve(jobFile));
                String model = mesh.coordinator().runJob(JobLoader.parse(job, jobFile), job, quiet).path("model_id").asText();
                ObjectNode batch = mesh.coordinator().predict(model, products, null, new PredictOptions("impute-mean", null, null), quiet);
                List<String> lines = Files.readAllLines(Path.of(batch.path("predictions").asText()));
                int pred = List.of(lines.get(0).split(",")).indexOf("prediction");
                Map<String, Double> expected = new HashMap<>();
                for (String l : lines.subList(1, lines.size())) expected.put(l.split(",")[0], Double.parseDouble(l.split(",")[pred]));
                assertEquals(569, expected.size());
                String[] keys = expected.keySet().toArray(new String[0]);
                long t0 = System.nanoTime();
                try (var serving = mesh.serve("oncology", model, products, Missing.IMPUTE_MEAN)) {
                    double open = (System.nanoTime() - t0) / 1e9;
                    long c0 = System.nanoTime();
                    for (int from = 0; from < keys.length; from += 100) {
                        String[] asked = Arrays.copyOfRange(keys, from, Math.min(keys.length, from + 100));
                        var a = serving.score(asked);
                        for (int i = 0; i < asked.length; i++) {
                            double e = expected.get(asked[i]);
                            assertEquals(e, a.predictions()[i], Math.max(Math.abs(e) * 6e-6, 1e-9), jobFile + " " + asked[i]);
                            assertTrue(a.known().get("oncology")[i] && a.known().get("radiology")[i], asked[i]);
                        }
                    }
                    System.out.printf(Locale.ROOT, "breast-hetero %s served online: session opened in %.2f s, 569 patients in %.2f s, each as batch "
                            + "scoring gave (batch AUC %.4f)%n", jobFile, open, (System.nanoTime() - c0) / 1e9, batch.path("metrics").path("auc").asDouble());
                }
            }
        }
    }
}
