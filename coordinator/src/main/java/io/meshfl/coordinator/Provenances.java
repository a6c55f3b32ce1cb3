package io.meshfl.coordinator;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshfl.core.plan.JobSpec;
import io.meshfl.core.plan.Plan;
import io.meshfl.core.protocol.horizontal.RunOutcome;
import io.meshfl.core.report.RunReport;

import java.time.Instant;

/** The provenance stored with every trained model: enough to know how it was made and to rebuild it. */
final class Provenances {

    private Provenances() {
    }

    static ObjectNode of(String jobId, String runId, JobSpec job, Plan plan, RunOutcome out) {
        ObjectNode p = RunReport.JSON.createObjectNode();
        p.put("run_id", runId);
        p.put("job_id", jobId);
        p.put("job_file", job.sourceFile());
        p.put("strategy", plan.strategy());
        p.put("aggregator", plan.aggregator());
        var products = p.putArray("products");
        for (Plan.Participant x : plan.participants()) {
            products.addObject().put("id", x.productId()).put("version", x.version()).put("domain", x.domain()).put("role", "train");
        }
        for (Plan.Participant x : plan.evaluation()) {
            products.addObject().put("id", x.productId()).put("version", x.version()).put("domain", x.domain()).put("role", "evaluate");
        }
        p.putPOJO("features", plan.features());
        if (!plan.strategy().equals("horizontal")) {
            // Vertical, split and boosted models stay spread: each party keeps its part under the run id.
            p.put("parts_key", runId);
            var parts = p.putArray("parts");
            for (Plan.Participant x : plan.participants()) {
                ObjectNode part = parts.addObject().put("domain", x.domain()).put("product", x.productId()).put("role", x.role());
                part.putPOJO("features", x.features());
                if (x.group() != null) part.put("group", x.group());
            }
            switch (plan.strategy()) {
                case "split" -> p.set("split_settings", RunReport.JSON.valueToTree(job.split()));
                case "secureboost" -> p.set("boost_settings", RunReport.JSON.valueToTree(job.boost()));
                case "materialized", "factorized" -> p.set("joined_settings", RunReport.JSON.valueToTree(job.joined()));
                case "federated-factorized" -> {
                    p.set("joined_settings", RunReport.JSON.valueToTree(job.joined()));
                    p.set("vertical_settings", RunReport.JSON.valueToTree(job.vertical()));
                }
                default -> p.set("vertical_settings", RunReport.JSON.valueToTree(job.vertical()));
            }
        }
        if (job.integration() != null) p.put("integration", job.integration());
        p.put("label", plan.label());
        p.set("model", RunReport.JSON.valueToTree(plan.model()));
        p.set("hyper_parameters", RunReport.JSON.valueToTree(job.local()));
        p.set("aggregator_settings", RunReport.JSON.valueToTree(job.aggregator()));
        p.put("rounds", job.rounds());
        p.put("seed", job.seed());
        p.set("metrics", RunReport.JSON.valueToTree(out.metrics()));
        p.put("created_at", Instant.now().toString());
        String v = Provenances.class.getPackage().getImplementationVersion();
        p.put("meshfl_version", v == null ? "dev" : v);
        p.put("java_version", System.getProperty("java.version"));
        p.put("java_vendor", System.getProperty("java.vendor"));
        p.put("os", System.getProperty("os.name") + " " + System.getProperty("os.arch"));
        p.put("processors", Runtime.getRuntime().availableProcessors());
        return p;
    }
}
