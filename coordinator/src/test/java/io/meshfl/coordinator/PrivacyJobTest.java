package io.meshfl.coordinator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.catalog.PrivacyLedger;
import io.meshfl.core.catalog.RunRecord;
import io.meshfl.core.contract.ContractLoader;
import io.meshfl.core.contract.DataContract;
import io.meshfl.core.plan.JobLoader;
import io.meshfl.core.plan.JobSpec;
import io.meshfl.core.plan.Plan;
import io.meshfl.core.plan.Planner;
import io.meshfl.core.protocol.NodeChannel;
import io.meshfl.core.protocol.horizontal.HorizontalRunner;
import io.meshfl.core.protocol.horizontal.RunObserver;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PrivacyJobTest {

    @TempDir
    Path dir;

    /** The test mesh's contracts, {@code d<budgeted>.loans} given an ε budget in its own contract file. */
    private List<DataContract> products(int budgeted, double budget) throws Exception {
        List<DataContract> plain = TestMesh.writeProducts(dir, 3, 300, 3, 4);
        List<DataContract> out = new ArrayList<>();
        for (DataContract c : plain) {
            if (!c.id().equals("d" + budgeted + ".loans")) {
                out.add(c);
                continue;
            }
            Path f = c.sourceFile();
            Files.writeString(f, Files.readString(f).replace("  label: y\n", "  label: y\n  epsilonBudget: " + budget + "\n"));
            out.add(ContractLoader.load(f));
        }
        return out;
    }

    /** Runs a job, accepting its plan's warnings (three nodes at a large noise multiplier draw one). */
    private static ObjectNode run(TestMesh mesh, String yaml) {
        return mesh.coordinator.runJob(JobLoader.parse(yaml, "job.yaml"), yaml, true, new HorizontalJobTest.Recorder());
    }

    @Test
    void noiseThatDrownsTheUpdatesOfFewNodesIsAWarningTheSubmitterMustAccept() throws Exception {
        try (TestMesh mesh = new TestMesh(products(0, 50), 200)) {
            String yaml = TestMesh.job(3, 2, 2, "privacy: {clip: 1.0, noiseMultiplier: 3.0}\n");
            HorizontalJobTest.Recorder rec = new HorizontalJobTest.Recorder();
            var e = assertThrows(MeshflException.class, () -> mesh.coordinator.runJob(JobLoader.parse(yaml, "job.yaml"), yaml, rec));
            assertEquals(ErrorCode.PLAN_REFUSED, e.code());
            // z sqrt(d) / k = 3 x sqrt(4) / 3 = 2: the noise is twice the longest mean update
            assertTrue(e.getMessage().contains("expected to be 2.0x the longest mean update") && e.getMessage().contains("--accept-warnings"),
                    e.getMessage());
            assertTrue(rec.plan.contains("WARNING: privacy: the noise"), rec.plan);
            assertEquals(0, mesh.catalog.runs().size(), "a plan not accepted starts no run");
            assertEquals(0.0, new PrivacyLedger(mesh.catalog).spent("d0.loans"), 0.0);
            ObjectNode accepted = run(mesh, yaml);
            assertEquals(2, accepted.path("history").size());
        }
    }

    @Test
    void aPrivateRunReportsEpsilonPerRoundAndChargesTheLedger() throws Exception {
        try (TestMesh mesh = new TestMesh(products(0, 50), 200)) {
            String yaml = TestMesh.job(3, 5, 2, "privacy: {clip: 1.0, noiseMultiplier: 1.0}\n");
            HorizontalJobTest.Recorder rec = new HorizontalJobTest.Recorder();
            ObjectNode report = mesh.coordinator.runJob(JobLoader.parse(yaml, "job.yaml"), yaml, rec);
            assertTrue(rec.plan.contains("planned epsilon"), rec.plan);
            JsonNode dp = report.path("privacy");
            double eps = dp.path("epsilon").asDouble();
            // q = 1 (all three nodes each round), z = 1, 5 rounds at delta 1e-5
            double expected = new io.meshfl.core.crypto.dp.RdpAccountant().compose(1.0, 1.0, 5).epsilon(1e-5);
            assertEquals(expected, eps, 1e-5);
            assertEquals(5, dp.path("epsilon_per_round").size());
            assertTrue(dp.path("epsilon_per_round").get(0).asDouble() < eps);
            assertEquals(eps, report.path("metrics").path("dp_epsilon").asDouble(), 1e-6);
            assertTrue(report.path("history").get(0).path("metrics").has("dp_noise_sd"));
            RunRecord run = mesh.catalog.run(report.path("run_id").asText()).orElseThrow();
            assertTrue(run.metricsJson().contains("dp_epsilon"), run.metricsJson());
            PrivacyLedger ledger = new PrivacyLedger(mesh.catalog);
            assertEquals(eps, ledger.spent("d0.loans"), 1e-5);
            assertEquals(eps, ledger.spent("d2.loans"), 1e-5);
            assertEquals("FINAL", ledger.charges("d0.loans").get(0).status());
            // the noise is unseeded (SecureRandom) and large for three nodes, so only that the model was scored is certain
            double auc = report.path("metrics").path("auc").asDouble(-1);
            assertTrue(auc >= 0 && auc <= 1, "auc " + auc);
        }
    }

    @Test
    void aJobOverAProductsRemainingBudgetIsRefusedNamingTheProduct() throws Exception {
        // one run of 5 rounds at z = 3 (q = 1) spends about 3.5; a budget of 5 takes one such run, not two
        try (TestMesh mesh = new TestMesh(products(1, 5.0), 200)) {
            String yaml = TestMesh.job(3, 5, 2, "privacy: {clip: 1.0, noiseMultiplier: 3.0}\n");
            run(mesh, yaml);
            PrivacyLedger ledger = new PrivacyLedger(mesh.catalog);
            double spent = ledger.spent("d1.loans");
            var e = assertThrows(MeshflException.class, () -> run(mesh, yaml));
            assertEquals(ErrorCode.PLAN_REFUSED, e.code());
            assertTrue(e.getMessage().contains("product d1.loans") && e.getMessage().contains("budget epsilon 5.000")
                    && e.getMessage().contains("spent") && e.getMessage().contains("requested epsilon"), e.getMessage());
            assertEquals(spent, ledger.spent("d1.loans"), 1e-12, "the refused run charged nothing");
            assertEquals(RunRecord.FAILED, mesh.catalog.runs().get(0).status());
            var refusedNonPrivate = assertThrows(MeshflException.class, () -> run(mesh, TestMesh.job(3, 5, 2, "")));
            assertTrue(refusedNonPrivate.getMessage().contains("d1.loans"), refusedNonPrivate.getMessage());
        }
    }

    @Test
    void theNodeRefusesEvenWhenTheCoordinatorDoesNotCheck() throws Exception {
        Files.createDirectories(dir.resolve("coordinator-view"));
        List<DataContract> unbudgeted = TestMesh.writeProducts(dir.resolve("coordinator-view"), 3, 300, 3, 4);
        try (TestMesh mesh = new TestMesh(products(2, 1.0), 200)) {
            // a coordinator that plans from contracts without the budget and never asks its ledger
            Map<String, Planner.ProductView> views = new LinkedHashMap<>();
            for (DataContract c : unbudgeted) views.put(c.id(), new Planner.ProductView(c, 300));
            Map<String, NodeChannel> channels = new LinkedHashMap<>();
            for (String d : List.of("d0", "d1", "d2")) channels.put(d, mesh.coordinator.registry().channel(d).orElseThrow());
            for (String extra : List.of("", "privacy: {noiseMultiplier: 0.5}\n")) {
                JobSpec job = JobLoader.parse(TestMesh.job(3, 5, 2, extra), "job.yaml");
                Plan plan = Planner.plan(job, views);
                mesh.open("job-" + extra.length(), "run-" + extra.length(), "horizontal");
                var e = assertThrows(MeshflException.class, () -> new HorizontalRunner(job, plan, channels, d -> true, RunObserver.NONE)
                        .run("job-" + extra.length(), "run-" + extra.length()));
                assertEquals(ErrorCode.POLICY_VIOLATION, e.code(), e.getMessage());
                assertTrue(e.getMessage().contains("node of d2") && e.getMessage().contains("d2.loans")
                        && e.getMessage().contains("budget epsilon 1.000"), e.getMessage());
            }
        }
    }
}
