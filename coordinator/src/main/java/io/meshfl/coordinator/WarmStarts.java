package io.meshfl.coordinator;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.catalog.Catalog;
import io.meshfl.core.catalog.ModelRecord;
import io.meshfl.core.plan.JobSpec;
import io.meshfl.core.plan.Plan;
import io.meshfl.core.protocol.WarmStart;
import io.meshfl.core.report.RunReport;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A job's {@code warmStart} held to the catalog before anything runs: the model exists, was trained
 * by the plan's strategy and model type, on the same products held by the same domains in the same
 * roles with the same columns, and (a split network) with the same network shape; a horizontal
 * model, which the coordinator holds whole, with the same shape over the same features and scaling. Each party checks
 * its own kept part again when it sets up; the checks here say what is wrong before any alignment.
 */
final class WarmStarts {

    /** The split settings that shape a network's parameters: a warm start needs them all equal. */
    private static final List<String> SPLIT_SHAPE = List.of("bottomHidden", "topHidden", "cutWidth", "activation", "embeddingDim");

    private WarmStarts() {
    }

    /** The plan with a line naming the model it starts from; the plan itself when the job starts afresh. */
    static Plan check(Catalog catalog, JobSpec job, Plan plan) {
        if (job.warmStart() == null) return plan;
        ModelRecord model = catalog.model(job.warmStart()).orElseThrow(() -> refused(job, "no model '" + job.warmStart() + "' in the catalog"));
        WarmStart w = resolve(job, plan, model);
        JsonNode prov = provenance(model);
        List<String> from = new ArrayList<>();
        for (JsonNode p : prov.path("products")) {
            if (p.path("role").asText().equals("train")) from.add(p.path("id").asText() + "@" + p.path("version").asText());
        }
        return plan.withReason("warm start from model " + w.modelId() + " (run " + prov.path("run_id").asText() + ", trained on "
                + String.join(", ", from) + "): " + (plan.strategy().equals("horizontal")
                ? "the run starts from its parameters" + (w.scaling() != null ? " and keeps its scaling" : "")
                : "every party starts from the part it kept"));
    }

    /** What the run starts from, or null when the job starts afresh; a JOB_INVALID naming {@code warmStart} when it cannot. */
    static WarmStart resolve(Catalog catalog, JobSpec job, Plan plan) {
        if (job.warmStart() == null) return null;
        return resolve(job, plan, catalog.model(job.warmStart()).orElseThrow(() -> refused(job, "no model '" + job.warmStart() + "' in the catalog")));
    }

    private static WarmStart resolve(JobSpec job, Plan plan, ModelRecord model) {
        String id = model.id();
        JsonNode prov = provenance(model);
        String strategy = prov.path("strategy").asText();
        if (!strategy.equals(plan.strategy())) {
            throw refused(job, "model " + id + " was trained by strategy " + strategy + "; this job plans as " + plan.strategy());
        }
        String type = prov.path("model").path("type").asText();
        if (!type.equals(plan.model().type().name())) {
            throw refused(job, "model " + id + " is of type " + type.toLowerCase(Locale.ROOT) + "; this job trains "
                    + plan.model().type().name().toLowerCase(Locale.ROOT));
        }
        if (strategy.equals("horizontal")) return horizontal(job, plan, model, prov);
        if (strategy.equals("split")) {
            JsonNode was = prov.path("split_settings");
            JsonNode now = RunReport.JSON.valueToTree(job.split());
            for (String k : SPLIT_SHAPE) {
                if (!was.path(k).equals(now.path(k))) {
                    throw refused(job, "model " + id + " has split." + k + " " + was.path(k) + "; this job's is " + now.path(k));
                }
            }
        }
        List<String> learned = new ArrayList<>();
        for (JsonNode part : prov.path("parts")) learned.add(part.path("product").asText());
        for (Plan.Participant p : plan.participants()) {
            JsonNode part = null;
            for (JsonNode q : prov.path("parts")) if (q.path("product").asText().equals(p.productId())) part = q;
            if (part == null) throw refused(job, "model " + id + " did not learn from product " + p.productId() + "; it learned from " + learned);
            if (part.has("group")) throw refused(job, "model " + id + " has parties made of several products (groups); it cannot be started from");
            if (!part.path("domain").asText().equals(p.domain())) {
                throw refused(job, "product " + p.productId() + " was held by domain " + part.path("domain").asText() + " in model " + id
                        + "; it is held by " + p.domain() + " now, which keeps no part of the model");
            }
            if (!part.path("role").asText().equals(p.role())) {
                throw refused(job, "product " + p.productId() + " was the " + part.path("role").asText() + " of model " + id + "; in this job it is the " + p.role());
            }
            List<String> columns = new ArrayList<>();
            part.path("features").forEach(f -> columns.add(f.asText()));
            if (!columns.equals(p.features())) {
                throw refused(job, "model " + id + " learned from columns " + columns + " of " + p.productId() + "; this job's are " + p.features());
            }
        }
        if (learned.size() != plan.participants().size()) {
            throw refused(job, "model " + id + " learned from " + learned + "; this job trains on "
                    + plan.participants().stream().map(Plan.Participant::productId).toList());
        }
        String partsKey = prov.path("parts_key").asText(null);
        if (partsKey == null) throw refused(job, "model " + id + " names no parts its parties kept");
        return new WarmStart(id, partsKey, strategy.equals("split") ? model.parameters() : new double[0], null);
    }

    /** The model fields that shape a horizontal model's parameters: a warm start needs them all equal. */
    private static final List<String> MODEL_SHAPE = List.of("hidden", "classes", "objective");

    /** A horizontal model is the coordinator's whole: the same model over the same features, scaled as the job scales. */
    private static WarmStart horizontal(JobSpec job, Plan plan, ModelRecord model, JsonNode prov) {
        String id = model.id();
        JsonNode was = prov.path("model");
        JsonNode now = RunReport.JSON.valueToTree(plan.model());
        for (String k : MODEL_SHAPE) {
            if (!was.path(k).equals(now.path(k))) throw refused(job, "model " + id + " has model." + k + " " + was.path(k) + "; this job's is " + now.path(k));
        }
        List<String> features = new ArrayList<>();
        prov.path("features").forEach(f -> features.add(f.asText()));
        if (!features.equals(plan.features())) {
            throw refused(job, "model " + id + " learned from the features " + features + "; this job's are " + plan.features());
        }
        JsonNode scaling = prov.path("scaling");
        if (job.standardize() && !scaling.isObject()) {
            throw refused(job, "model " + id + " was trained on unscaled features; this job standardizes them (scaling: standard): "
                    + "set scaling: none to go on from it");
        }
        if (!job.standardize() && scaling.isObject()) {
            throw refused(job, "model " + id + " was trained on standardized features; this job uses them as they are (scaling: none)");
        }
        io.meshfl.core.data.Standardizer z = null;
        if (scaling.isObject()) {
            z = new io.meshfl.core.data.Standardizer(RunReport.JSON.convertValue(scaling.path("mean"), double[].class),
                    RunReport.JSON.convertValue(scaling.path("std"), double[].class));
        }
        return new WarmStart(id, prov.path("run_id").asText(), model.parameters(), z);
    }

    private static JsonNode provenance(ModelRecord m) {
        try {
            return RunReport.JSON.readTree(m.provenanceJson() == null ? "{}" : m.provenanceJson());
        } catch (IOException e) {
            throw new MeshflException(ErrorCode.CATALOG_FAILURE, "the provenance of model " + m.id() + " does not read: " + e.getMessage(), e);
        }
    }

    private static MeshflException refused(JobSpec job, String why) {
        return new MeshflException(ErrorCode.JOB_INVALID, job.sourceFile() + ": warmStart: " + why);
    }
}
