package io.meshfl.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshfl.coordinator.JobObserver;
import io.meshfl.core.catalog.Catalog;
import io.meshfl.core.contract.ContractLoader;
import io.meshfl.core.contract.DataContract;
import io.meshfl.core.plan.JobLoader;
import io.meshfl.core.plan.JobSpec;
import io.meshfl.core.protocol.horizontal.RoundSummary;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The horizontal examples on the FATE data: AUC within 0.01 of the centralized baselines in MISSION.md. */
@Tag("realdata")
class RealDataHorizontalTest {

    static ObjectNode runExample(String name) throws Exception {
        return runExample(name, "job.yaml");
    }

    static ObjectNode runExample(String name, String jobFile) throws Exception {
        assumeTrue(SharedData.present(), "../shared/datasets is absent");
        Path dir = SharedData.repoRoot().resolve("examples").resolve(name);
        List<DataContract> contracts = ContractLoader.loadDirectory(dir);
        JobSpec job = JobLoader.load(dir.resolve(jobFile));
        try (Catalog cat = Catalog.inMemory(name + System.nanoTime()); EmbeddedMesh mesh = new EmbeddedMesh(cat, contracts, s -> { })) {
            return mesh.coordinator().runJob(job, Files.readString(dir.resolve(jobFile)), new JobObserver() {
                @Override
                public void plan(String explain) {
                    System.out.println(explain);
                }

                @Override
                public void round(RoundSummary r) {
                    System.out.println(Progress.line(r.round(), r.rounds(), r.seconds(), r.metrics(), r.nodesOk(), r.failures().size(), 0));
                }

                @Override
                public void log(String line) {
                }
            });
        }
    }

    @Test
    void breastHomoMatchesCentralizedAuc() throws Exception {
        ObjectNode r = runExample("breast-homo");
        double auc = r.path("metrics").path("auc").asDouble();
        System.out.println("breast-homo federated AUC " + auc + " (centralized 0.980)");
        assertEquals("horizontal", r.path("plan").path("strategy").asText());
        assertTrue(auc >= 0.980 - 0.01, "breast-homo AUC " + auc + " is more than 0.01 below 0.980");
    }

    @Test
    void defaultCreditHomoMatchesCentralizedAuc() throws Exception {
        ObjectNode r = runExample("default-credit-homo");
        double auc = r.path("metrics").path("auc").asDouble();
        System.out.println("default-credit-homo federated AUC " + auc + " (centralized 0.730)");
        assertTrue(auc >= 0.730 - 0.01, "default-credit-homo AUC " + auc + " is more than 0.01 below 0.730");
    }
}
