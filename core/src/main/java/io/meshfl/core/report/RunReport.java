package io.meshfl.core.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshfl.core.plan.JobSpec;
import io.meshfl.core.plan.Plan;
import io.meshfl.core.protocol.horizontal.Failure;
import io.meshfl.core.protocol.horizontal.RoundSummary;
import io.meshfl.core.protocol.horizontal.RunOutcome;

import java.util.Locale;
import java.util.Map;

/** The JSON report of one run: the plan that ran, per-round history, traffic and final metrics. */
public final class RunReport {

    public static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private RunReport() {
    }

    public static ObjectNode build(String jobId, String runId, String modelId, JobSpec job, Plan plan, RunOutcome out) {
        ObjectNode r = JSON.createObjectNode();
        r.put("job_id", jobId);
        r.put("job_name", job.name());
        r.put("run_id", runId);
        if (modelId != null) r.put("model_id", modelId);
        ObjectNode p = r.putObject("plan");
        p.put("strategy", plan.strategy());
        p.put("aggregator", plan.aggregator());
        p.put("model", plan.model().type().name().toLowerCase(Locale.ROOT));
        p.put("num_params", plan.numParams());
        p.put("label", plan.label());
        p.putPOJO("features", plan.features());
        ArrayNode parts = p.putArray("participants");
        for (Plan.Participant x : plan.participants()) {
            parts.addObject().put("product", x.productId()).put("domain", x.domain()).put("version", x.version()).put("role", "train");
        }
        for (Plan.Participant x : plan.evaluation()) {
            parts.addObject().put("product", x.productId()).put("domain", x.domain()).put("version", x.version()).put("role", "evaluate");
        }
        p.put("explain", plan.explain());
        r.put("rounds", out.rounds().size());
        r.put("wall_seconds", round4(out.wallSeconds()));
        r.put("bytes_sent", out.bytesSent());
        r.put("bytes_received", out.bytesReceived());
        r.put("payload_bytes", out.payloadBytes());
        r.put("wire_overhead", out.payloadBytes() == 0 ? 0 : round4((double) (out.bytesSent() + out.bytesReceived()) / out.payloadBytes()));
        putMetrics(r.putObject("metrics"), out.metrics());
        if (out.diagnostics() != null) r.set("diagnostics", out.diagnostics());
        if (job.privacy() != null) putPrivacy(r.putObject("privacy"), job, out);
        ArrayNode hist = r.putArray("history");
        for (RoundSummary s : out.rounds()) {
            ObjectNode h = hist.addObject();
            h.put("round", s.round());
            h.put("seconds", round4(s.seconds()));
            h.put("bytes_sent", s.bytesSent());
            h.put("bytes_received", s.bytesReceived());
            h.put("nodes_ok", s.nodesOk());
            h.put("nodes_failed", s.failures().size());
            putMetrics(h.putObject("metrics"), s.metrics());
            ArrayNode f = h.putArray("failures");
            for (Failure x : s.failures()) f.addObject().put("node", x.nodeId()).put("code", x.code().name()).put("reason", x.reason());
        }
        return r;
    }

    /** The run's differential privacy: its settings and the ε the accountant gave after each round and in all. */
    private static void putPrivacy(ObjectNode p, JobSpec job, RunOutcome out) {
        var s = job.privacy();
        p.put("mode", s.mode().name().toLowerCase(Locale.ROOT));
        p.put("clipping", s.clipping().name().toLowerCase(Locale.ROOT));
        p.put("clip_at", s.clipAtNode() ? "node" : "server");
        p.put("delta", s.delta());
        p.put("noise_multiplier", round6(out.metrics().getOrDefault("dp_noise_multiplier", Double.NaN)));
        p.put("epsilon", round6(out.metrics().getOrDefault("dp_epsilon", Double.NaN)));
        ArrayNode perRound = p.putArray("epsilon_per_round");
        for (RoundSummary x : out.rounds()) perRound.add(round6(x.metrics().getOrDefault("dp_epsilon", Double.NaN)));
    }

    /** Adds a centralized baseline computed in the same run, for comparison in the report. */
    public static void putBaseline(ObjectNode report, Map<String, Double> baseline, String how) {
        ObjectNode b = report.putObject("baseline");
        b.put("how", how);
        putMetrics(b.putObject("metrics"), baseline);
    }

    private static void putMetrics(ObjectNode node, Map<String, Double> m) {
        for (var e : new java.util.TreeMap<>(m).entrySet()) {
            double v = e.getValue();
            if (Double.isFinite(v)) node.put(e.getKey(), round6(v));
            else node.putNull(e.getKey());
        }
    }

    private static double round4(double v) {
        return Math.round(v * 1e4) / 1e4;
    }

    private static double round6(double v) {
        return Math.round(v * 1e6) / 1e6;
    }
}
