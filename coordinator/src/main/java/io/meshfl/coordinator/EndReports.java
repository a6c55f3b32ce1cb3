package io.meshfl.coordinator;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshfl.core.catalog.Catalog;
import io.meshfl.core.catalog.RunRecord;
import io.meshfl.core.plan.JobLoader;
import io.meshfl.core.plan.JobSpec;
import io.meshfl.core.plan.Plan;
import io.meshfl.core.protocol.horizontal.RoundSummary;
import io.meshfl.core.protocol.horizontal.RunOutcome;
import io.meshfl.core.report.RunReport;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The report every run leaves in the catalog when it ends: a run that succeeded its submitter's
 * report, one that failed, was cancelled or interrupted the report of how far it got (its plan
 * and the rounds the catalog holds, the last one's metrics). It is kept before the run's end is
 * recorded, so whoever sees the run ended finds its report.
 */
final class EndReports {

    private static final ObjectMapper PLANS = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private EndReports() {
    }

    /** Keeps {@code report} as the run's, saying how it ended ({@code error}: why, for any end but success); a report the catalog does not take is logged. */
    static void keep(Catalog catalog, String runId, ObjectNode report, String status, String error, Consumer<String> log) {
        ObjectNode r = report.deepCopy();
        r.put("status", status);
        if (error != null && !error.isBlank()) r.put("error", error);
        else r.remove("error");
        try {
            catalog.saveRunReport(runId, r);
        } catch (RuntimeException e) {
            log.accept("the report of run " + runId + " did not reach the catalog: " + e.getMessage());
        }
    }

    /** The report of a run that did not succeed: its plan and the rounds committed so far, whose last metrics are its metrics. */
    static ObjectNode partial(Catalog catalog, RunRecord run, JobSpec job, Plan plan, long bytesSent, long bytesReceived) {
        List<RoundSummary> rounds = catalog.rounds(run.id()).stream().map(r -> Resumptions.summary(r, job.rounds())).toList();
        Map<String, Double> metrics = rounds.isEmpty() ? Map.of() : rounds.get(rounds.size() - 1).metrics();
        double wall = run.startedAt() == null ? 0 : Duration.between(run.startedAt(), Instant.now()).toMillis() / 1000.0;
        RunOutcome out = new RunOutcome(null, metrics, rounds, bytesSent, bytesReceived, 0, wall);
        return RunReport.build(run.jobId(), run.id(), null, job, plan, out);
    }

    /**
     * Keeps the report of how far a run got when only the catalog knows it (a run its coordinator
     * left, ended on taking it up): its job and plan are read back from the catalog; a run whose
     * job or plan cannot be read back leaves no report, which is logged.
     */
    static void keepPartial(Catalog catalog, RunRecord run, String status, String error, Consumer<String> log) {
        ObjectNode report;
        try {
            String yaml = catalog.job(run.jobId()).orElseThrow(() -> new IllegalStateException("job " + run.jobId() + " is gone")).specYaml();
            JobSpec job = JobLoader.parse(yaml, "catalog:job " + run.jobId());
            Plan plan = PLANS.readValue(run.planJson(), Plan.class);
            report = partial(catalog, run, job, plan, run.bytesSent(), run.bytesReceived());
        } catch (java.io.IOException | RuntimeException e) {
            log.accept("run " + run.id() + " ends without a report: its job or plan does not read back (" + e.getMessage() + ")");
            return;
        }
        keep(catalog, run.id(), report, status, error, log);
    }
}
