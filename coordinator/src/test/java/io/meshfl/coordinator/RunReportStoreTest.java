package io.meshfl.coordinator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.catalog.Catalog;
import io.meshfl.core.catalog.RunRecord;
import io.meshfl.core.plan.JobLoader;
import io.meshfl.core.plan.JobSpec;
import io.meshfl.core.plan.Plan;
import io.meshfl.core.protocol.horizontal.RoundSummary;
import io.meshfl.core.report.RunReport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every run that ends leaves its report in the catalog: the whole one, or how far it got, and no folder of any machine in it. */
class RunReportStoreTest {

    @TempDir
    Path dir;

    /** Follows a run: its id once it has one, and a step after a round. */
    private static final class Follower implements JobObserver {
        volatile String runId;
        volatile java.util.function.IntConsumer afterRound = r -> { };

        @Override
        public void plan(String explain) {
        }

        @Override
        public void round(RoundSummary round) {
            afterRound.accept(round.round());
        }

        @Override
        public void log(String line) {
        }

        @Override
        public void started(String runId, String jobId) {
            this.runId = runId;
        }
    }

    /** The job as the submitter's machine names it: a file in a folder of that machine (the test's temp folder). */
    private JobSpec job(String yaml) {
        return JobLoader.parse(yaml, dir.resolve("jobs").resolve("credit.yaml").toString());
    }

    private void assertNoFolder(JsonNode stored) {
        String json = stored.toString();
        assertFalse(json.contains(dir.toString()), "a stored report names a folder of the test's machine: " + json);
    }

    @Test
    void aSucceededRunKeepsTheReportItsSubmitterGotWithItsJobFileByNameOnly() throws Exception {
        var contracts = TestMesh.writeProducts(dir, 2, 200, 3, 11);
        try (TestMesh mesh = new TestMesh(contracts, 200)) {
            String yaml = TestMesh.job(2, 3, 2, "");
            ObjectNode report = mesh.coordinator.runJob(job(yaml), yaml, new Follower());
            String runId = report.path("run_id").asText();
            // the submitter's own report names its file where it is: what the catalog keeps must not
            assertTrue(report.toString().contains(dir.toString()), "the test's job file is in its temp folder: " + report.path("provenance"));

            JsonNode stored = mesh.catalog.runReport(runId).orElseThrow();
            assertNoFolder(stored);
            assertEquals(RunRecord.SUCCEEDED, stored.path("status").asText());
            assertEquals("credit.yaml", stored.path("provenance").path("job_file").asText());
            assertEquals(3, stored.path("history").size());
            assertEquals(report.path("metrics"), stored.path("metrics"));
            assertEquals(report.path("model_id").asText(), stored.path("model_id").asText());
            assertEquals(report.path("seal").asText(), stored.path("seal").asText(), "the kept report carries the run's seal");
            assertFalse(stored.has("error"));
        }
    }

    @Test
    void aFailedRunKeepsTheReportOfTheRoundsItFinishedAndWhy() throws Exception {
        var contracts = TestMesh.writeProducts(dir, 2, 200, 3, 12);
        try (TestMesh mesh = new TestMesh(contracts, 200)) {
            String yaml = TestMesh.job(2, 5, 2, "");
            Follower f = new Follower();
            f.afterRound = r -> {
                if (r == 2) mesh.nodes.get(0).close();
            };
            var e = assertThrows(MeshflException.class, () -> mesh.coordinator.runJob(job(yaml), yaml, f));
            assertEquals(ErrorCode.TOO_FEW_NODES, e.code());
            JsonNode stored = mesh.catalog.runReport(f.runId).orElseThrow();
            assertNoFolder(stored);
            assertEquals(RunRecord.FAILED, stored.path("status").asText());
            assertTrue(stored.path("error").asText().contains("TOO_FEW_NODES"), stored.path("error").asText());
            assertEquals(2, stored.path("rounds").asInt());
            assertEquals(2, stored.path("history").size(), "the rounds it finished");
            assertEquals(stored.path("history").get(1).path("metrics"), stored.path("metrics"), "its metrics are its last round's");
            assertEquals("horizontal", stored.path("plan").path("strategy").asText());
            assertFalse(stored.has("model_id"), "a failed run made no model");
        }
    }

    @Test
    void aCancelledRunKeepsItsReportBeforeItIsSeenEnded() throws Exception {
        var contracts = TestMesh.writeProducts(dir, 2, 200, 3, 13);
        try (TestMesh mesh = new TestMesh(contracts, 200)) {
            String yaml = TestMesh.job(2, 6, 2, "");
            Follower f = new Follower();
            boolean[] reportWhenEnded = {false};
            f.afterRound = r -> {
                if (r == 1) mesh.coordinator.runner().cancel(f.runId, null);
            };
            JobObserver watcher = new JobObserver() {
                @Override
                public void plan(String explain) {
                    f.plan(explain);
                }

                @Override
                public void round(RoundSummary round) {
                    f.round(round);
                }

                @Override
                public void log(String line) {
                }

                @Override
                public void started(String runId, String jobId) {
                    f.started(runId, jobId);
                }

                @Override
                public void ended(String runId, String status, String reason) {
                    reportWhenEnded[0] = mesh.catalog.runReport(runId).isPresent();
                }
            };
            var e = assertThrows(MeshflException.class, () -> mesh.coordinator.runJob(job(yaml), yaml, watcher));
            assertEquals(ErrorCode.RUN_CANCELLED, e.code());
            assertTrue(reportWhenEnded[0], "the report is there when the run is told ended");
            JsonNode stored = mesh.catalog.runReport(f.runId).orElseThrow();
            assertNoFolder(stored);
            assertEquals(RunRecord.CANCELLED, stored.path("status").asText());
            assertEquals(mesh.catalog.rounds(f.runId).size(), stored.path("history").size());
            assertTrue(stored.path("history").size() >= 1 && stored.path("history").size() < 6, stored.toString());
        }
    }

    @Test
    void aRunItsCoordinatorLeftKeepsTheReportOfHowFarItGotWhenItIsEndedOnTakingItUp() throws Exception {
        var contracts = TestMesh.writeProducts(dir, 2, 60, 3, 14);
        try (TestMesh mesh = new TestMesh(contracts, 200)) {
            Catalog catalog = mesh.catalog;
            String yaml = TestMesh.job(2, 4, 2, "");
            Plan plan = mesh.coordinator.runner().plan(job(yaml));
            String jobId = catalog.createJob("test-job", yaml).id();
            RunRecord run = catalog.startRun(jobId, plan.strategy(), RunReport.JSON.valueToTree(plan).toString(), "{}", 5,
                    List.of("d0.loans", "d1.loans"), new Catalog.Ticket("client:operator", "left", "sha"));
            catalog.recordRound(run.id(), new io.meshfl.core.catalog.RoundRecord(1, 0.2, 10, 10, 2, 0, "{\"auc\": 0.61}"));
            // a coordinator that does not take runs up ends the one it finds left RUNNING
            new Resumptions(mesh.coordinator.runner(), s -> { }, Duration.ofSeconds(1), false, mesh.coordinator.tellings).start();
            assertEquals(RunRecord.INTERRUPTED, catalog.run(run.id()).orElseThrow().status());
            JsonNode stored = catalog.runReport(run.id()).orElseThrow();
            assertEquals(RunRecord.INTERRUPTED, stored.path("status").asText());
            assertEquals(1, stored.path("history").size());
            assertEquals(0.61, stored.path("metrics").path("auc").asDouble());
            assertTrue(stored.path("error").asText().contains("coordinator stopped"), stored.path("error").asText());
        }
    }
}
