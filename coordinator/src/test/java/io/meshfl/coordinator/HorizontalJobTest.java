package io.meshfl.coordinator;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.catalog.RunRecord;
import io.meshfl.core.plan.JobLoader;
import io.meshfl.core.plan.JobSpec;
import io.meshfl.core.protocol.horizontal.RoundSummary;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HorizontalJobTest {

    @TempDir
    Path dir;

    /** Collects what a job reports. */
    static final class Recorder implements JobObserver {
        final List<RoundSummary> rounds = new ArrayList<>();
        final List<String> logs = new ArrayList<>();
        String plan;
        Runnable afterRound2 = () -> { };

        @Override
        public void plan(String explain) {
            plan = explain;
        }

        @Override
        public void round(RoundSummary r) {
            rounds.add(r);
            if (r.round() == 2) afterRound2.run();
        }

        @Override
        public void log(String line) {
            logs.add(line);
        }
    }

    @Test
    void threeNodesTrainAModelAndTheCatalogRecordsTheRun() throws Exception {
        var contracts = TestMesh.writeProducts(dir, 3, 400, 4, 1);
        try (TestMesh mesh = new TestMesh(contracts, 200)) {
            String yaml = TestMesh.job(3, 6, 2, "");
            Recorder rec = new Recorder();
            ObjectNode report = mesh.coordinator.runJob(JobLoader.parse(yaml, "job.yaml"), yaml, rec);
            assertTrue(rec.plan.contains("strategy=horizontal"), rec.plan);
            assertEquals(6, rec.rounds.size());
            assertEquals("horizontal", report.path("plan").path("strategy").asText());
            double auc = report.path("metrics").path("auc").asDouble();
            assertTrue(auc > 0.75, "auc " + auc);
            assertTrue(report.path("bytes_sent").asLong() > 0 && report.path("bytes_received").asLong() > 0);
            // the report's diagnostics come from the nodes' merged score histograms: counts of the same held-out rows
            var d = report.path("diagnostics");
            var c = d.path("confusion");
            assertEquals(d.path("rows").asLong(), c.path("tp").asLong() + c.path("fp").asLong() + c.path("tn").asLong() + c.path("fn").asLong());
            assertEquals(report.path("metrics").path("accuracy").asDouble(), (double) (c.path("tp").asLong() + c.path("tn").asLong())
                    / d.path("rows").asLong(), 1e-6, "the confusion matrix at 0.5 gives the run's accuracy");
            assertTrue(d.path("roc").size() > 2 && d.path("calibration").size() > 1, d.toString());
            RunRecord run = mesh.catalog.run(report.path("run_id").asText()).orElseThrow();
            assertEquals(RunRecord.SUCCEEDED, run.status());
            assertEquals(6, mesh.catalog.rounds(run.id()).size());
            assertEquals(1, mesh.catalog.modelsForRun(run.id()).size());
            assertTrue(mesh.catalog.modelsForRun(run.id()).get(0).provenanceJson().contains("d1.loans"));
            assertEquals(1, mesh.catalog.runsForProduct("d2.loans").size());
        }
    }

    @Test
    void aRegressionReportPlotsTheNodesResidualsInGroupsWhosePooledSpreadIsTheRunsRmse() throws Exception {
        var contracts = TestMesh.writeProducts(dir, 3, 300, 4, 2);
        try (TestMesh mesh = new TestMesh(contracts, 200)) {
            String yaml = TestMesh.job(3, 4, 2, "").replace("model: {type: logistic}", "model: {type: linear}");
            ObjectNode report = mesh.coordinator.runJob(JobLoader.parse(yaml, "job.yaml"), yaml, new Recorder());
            var d = report.path("diagnostics");
            assertEquals("regression", d.path("task").asText(), d.toString());
            var points = d.path("residuals");
            assertTrue(points.size() >= 5 && points.size() <= 10, d.toString());
            long rows = 0;
            double squares = 0, previous = Double.NEGATIVE_INFINITY;
            for (var pt : points) {
                long n = pt.path("rows").asLong();
                assertTrue(n >= 5, "no point stands for fewer than five rows: " + pt);
                assertTrue(pt.path("mean_predicted").asDouble() >= previous, "points in order of prediction");
                previous = pt.path("mean_predicted").asDouble();
                rows += n;
                squares += n * (Math.pow(pt.path("sd_residual").asDouble(), 2) + Math.pow(pt.path("mean_residual").asDouble(), 2));
            }
            assertEquals(180, rows, "a fifth of each node's 300 rows is held out");
            assertEquals(report.path("metrics").path("rmse").asDouble(), Math.sqrt(squares / rows), 1e-5,
                    "the pooled residuals of the plot are the run's held-out RMSE");
        }
    }

    @Test
    void roundCompletesWithoutANodeThatDiesWhenTheMinimumIsMet() throws Exception {
        var contracts = TestMesh.writeProducts(dir, 3, 200, 3, 2);
        try (TestMesh mesh = new TestMesh(contracts, 200)) {
            String yaml = TestMesh.job(3, 5, 2, "");
            Recorder rec = new Recorder();
            rec.afterRound2 = () -> mesh.nodes.get(1).close();
            ObjectNode report = mesh.coordinator.runJob(JobLoader.parse(yaml, "job.yaml"), yaml, rec);
            assertEquals(5, rec.rounds.size());
            assertEquals(3, rec.rounds.get(1).nodesOk());
            assertEquals(2, rec.rounds.get(2).nodesOk());
            assertEquals(ErrorCode.NODE_LOST, rec.rounds.get(2).failures().get(0).code());
            assertEquals(2, rec.rounds.get(4).nodesOk());
            assertTrue(report.path("metrics").has("auc"));
        }
    }

    @Test
    void jobFailsClearlyAndIsRecordedWhenTooFewNodesRemain() throws Exception {
        var contracts = TestMesh.writeProducts(dir, 2, 200, 3, 3);
        try (TestMesh mesh = new TestMesh(contracts, 200)) {
            String yaml = TestMesh.job(2, 5, 2, "");
            Recorder rec = new Recorder();
            rec.afterRound2 = () -> mesh.nodes.get(0).close();
            var e = assertThrows(MeshflException.class, () -> mesh.coordinator.runJob(JobLoader.parse(yaml, "job.yaml"), yaml, rec));
            assertEquals(ErrorCode.TOO_FEW_NODES, e.code());
            assertTrue(e.getMessage().contains("round 3") && e.getMessage().contains("d0"), e.getMessage());
            RunRecord run = mesh.catalog.runs().get(0);
            assertEquals(RunRecord.FAILED, run.status());
            assertTrue(run.error().contains("TOO_FEW_NODES"), run.error());
            assertEquals(2, mesh.catalog.rounds(run.id()).size());
        }
    }

    @Test
    void jobNamingAnUnknownProductIsRefusedWithTheKnownOnes() throws Exception {
        var contracts = TestMesh.writeProducts(dir, 2, 50, 2, 4);
        try (TestMesh mesh = new TestMesh(contracts, 200)) {
            String yaml = TestMesh.job(2, 2, 1, "").replace("d1.loans", "d9.loans");
            JobSpec job = JobLoader.parse(yaml, "job.yaml");
            var e = assertThrows(MeshflException.class, () -> mesh.coordinator.runJob(job, yaml, new Recorder()));
            assertEquals(ErrorCode.UNKNOWN_PRODUCT, e.code());
            assertTrue(e.getMessage().contains("d9.loans") && e.getMessage().contains("d0.loans"), e.getMessage());
        }
    }

    @Test
    void nodeThatStopsHeartbeatingIsMarkedLost() throws Exception {
        var contracts = TestMesh.writeProducts(dir, 2, 20, 2, 5);
        try (TestMesh mesh = new TestMesh(contracts, 100)) {
            assertTrue(mesh.coordinator.registry().alive("d0"));
            mesh.nodes.get(0).close();
            long deadline = System.currentTimeMillis() + 5000;
            while (mesh.coordinator.registry().alive("d0") && System.currentTimeMillis() < deadline) Thread.sleep(50);
            assertTrue(!mesh.coordinator.registry().alive("d0"), "d0 should be lost");
            assertTrue(mesh.coordinator.registry().alive("d1"));
            assertEquals("LOST", mesh.catalog.node(mesh.nodes.get(0).nodeId()).orElseThrow().status());
        }
    }
}
