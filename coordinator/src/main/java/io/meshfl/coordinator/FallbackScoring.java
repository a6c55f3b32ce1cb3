package io.meshfl.coordinator;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.catalog.ModelRegistry;
import io.meshfl.core.protocol.scoring.Missing;
import io.meshfl.core.protocol.scoring.ScoringRequest;
import io.meshfl.core.protocol.vertical.VerticalScorer;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The model that scores the rows a scoring model leaves unscored because a domain does not know
 * them ({@code missing: fallback-model}): checked against that model, then scored first in the same
 * run and under the same ticket, over its own domains' products, into a file of the run that the
 * requester merges into the model's predictions.
 */
record FallbackScoring(String modelId, JsonNode provenance, String name, String version, List<String> domains) {

    /** The fallback {@code fallbackId} of model {@code mainId}, or an error naming what makes it unfit. */
    static FallbackScoring of(JobRunner runner, String mainId, JsonNode main, String fallbackId, Set<String> given, String requester,
                              ScoringRequest scoring) {
        if (!scoring.everyRow()) {
            throw new MeshflException(ErrorCode.PLAN_REFUSED, "missing.model: model " + mainId + " scores only the rows every party holds");
        }
        if (fallbackId.equals(mainId)) throw new MeshflException(ErrorCode.JOB_INVALID, "missing.model: the fallback must be another model than " + mainId);
        JsonNode fb = runner.provenance(fallbackId);
        String strategy = main.path("strategy").asText();
        if (!fb.path("strategy").asText().equals(strategy)) {
            throw new MeshflException(ErrorCode.PLAN_REFUSED, "missing.model: " + fallbackId + " was trained " + fb.path("strategy").asText()
                    + "; it is scored in the same run under the same signed request, so it must be a " + strategy + " model like " + mainId);
        }
        if (!fb.path("links").isEmpty()) throw new MeshflException(ErrorCode.PLAN_REFUSED, "missing.model: " + fallbackId + " was trained over a join");
        for (String f : List.of("type", "objective", "classes")) {
            if (!fb.path("model").path(f).equals(main.path("model").path(f))) {
                throw new MeshflException(ErrorCode.PLAN_REFUSED, "missing.model: " + fallbackId + " predicts " + describe(fb) + ", " + mainId
                        + " predicts " + describe(main) + "; a fallback must give the same kind of score");
            }
        }
        List<String> domains = new ArrayList<>();
        for (JsonNode p : fb.path("parts")) {
            String d = p.path("domain").asText();
            if (p.hasNonNull("group")) throw new MeshflException(ErrorCode.PLAN_REFUSED, "missing.model: " + fallbackId + " has a party made of several products");
            if (!given.contains(d)) {
                throw new MeshflException(ErrorCode.PLAN_REFUSED, "missing.model: " + fallbackId + " has a part in domain '" + d
                        + "', which has no scoring product here; given: " + given);
            }
            if (!domains.contains(d)) domains.add(d);
        }
        var entry = new ModelRegistry(runner.catalog()).entry(fallbackId);
        return new FallbackScoring(fallbackId, fb, entry.map(ModelRegistry.Entry::name).orElse(fallbackId),
                entry.map(e -> Integer.toString(e.version())).orElse(""), domains);
    }

    private static String describe(JsonNode prov) {
        JsonNode m = prov.path("model");
        return m.path("type").asText() + (m.hasNonNull("objective") ? " " + m.path("objective").asText() : "")
                + (m.hasNonNull("classes") ? " (" + m.path("classes").asText() + " classes)" : "");
    }

    /** The scoring products of the fallback's domains and the requester's, each with a part where the fallback has one. */
    List<VerticalScorer.Part> parts(List<VerticalScorer.Part> all, String requester) {
        List<VerticalScorer.Part> out = new ArrayList<>();
        for (VerticalScorer.Part p : all) {
            boolean has = domains.contains(p.domain());
            if (has || p.domain().equals(requester)) out.add(new VerticalScorer.Part(p.domain(), p.productId(), has, p.group()));
        }
        return out;
    }

    /** The name of the file its predictions of run {@code runId} are written to, at the requester. */
    String file(String runId) {
        return runId + "-fallback";
    }

    /** Every row of the requester, refusing those a part of the fallback is missing on. */
    ScoringRequest request(String runId) {
        return new ScoringRequest(true, Missing.REFUSE, name, version, "", "csv").files(file(runId), "");
    }
}
