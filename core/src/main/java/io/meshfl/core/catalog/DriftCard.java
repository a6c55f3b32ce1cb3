package io.meshfl.core.catalog;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshfl.core.monitoring.DriftRecords;

import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The drift section of a model card: from the metrics of the model's scoring runs, the latest
 * population stability index of each domain's feature and of the score, each with the run (batch)
 * it came from, the batch whose scores are the baseline, and the domains whose parts keep no
 * reference profile.
 */
final class DriftCard {

    private static final ObjectMapper JSON = new ObjectMapper();

    private DriftCard() {
    }

    /** The section for model {@code modelId}: its scoring runs are the runs of the job {@code predict-MODEL}. */
    static ObjectNode of(Catalog catalog, String modelId) {
        List<RunRecord> runs = catalog.jobs().stream().filter(j -> j.name().equals("predict-" + modelId))
                .flatMap(j -> catalog.runsForJob(j.id()).stream())
                .filter(r -> RunRecord.SUCCEEDED.equals(r.status()) && r.endedAt() != null && r.metricsJson() != null)
                .sorted(Comparator.comparing(RunRecord::endedAt)).toList();
        Map<String, ObjectNode> latest = new LinkedHashMap<>();
        String baseline = null;
        // the domains the latest batch measured no feature drift of, for want of a reference
        List<String> noProfile = List.of();
        for (RunRecord r : runs) {
            JsonNode m;
            try {
                m = JSON.readTree(r.metricsJson());
            } catch (java.io.IOException e) {
                continue;
            }
            List<String> np = new java.util.ArrayList<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = m.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> f = it.next();
                String k = f.getKey();
                if (k.startsWith(DriftRecords.PSI) && f.getValue().isNumber()) {
                    ObjectNode v = JSON.createObjectNode();
                    String rest = k.substring(DriftRecords.PSI.length());
                    int colon = rest.indexOf(':');
                    if (colon >= 0) v.put("domain", rest.substring(0, colon)).put("feature", rest.substring(colon + 1));
                    v.put("psi", f.getValue().asDouble()).put("run", r.id()).put("at", r.endedAt().toString());
                    latest.put(rest, v);
                } else if (k.equals(DriftRecords.BASELINE)) {
                    baseline = r.id();
                } else if (k.startsWith(DriftRecords.NO_PROFILE)) {
                    np.add(k.substring(DriftRecords.NO_PROFILE.length()));
                }
            }
            noProfile = np;
        }
        ObjectNode out = JSON.createObjectNode();
        out.put("batches", runs.size());
        ObjectNode score = latest.remove(DriftRecords.SCORE);
        if (score != null) out.set("score", score);
        else out.putNull("score");
        if (baseline != null) out.put("score_baseline_run", baseline);
        ArrayNode features = out.putArray("features");
        latest.values().forEach(features::add);
        if (!noProfile.isEmpty()) {
            ArrayNode np = out.putArray("no_reference_profile");
            noProfile.forEach(np::add);
        }
        return out;
    }
}
