package io.meshfl.core.catalog;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * A registered model's card and the contract of its output port, made from the registry, the
 * model's provenance and its job: purpose, the exact product versions and contract hashes it
 * learned from, its metrics (held-out and training apart), the privacy it spent, its limits, who
 * approved it with which certificate, what each missing owner would sign, its stages, and the
 * latest drift of its scoring batches.
 */
public final class ModelCards {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private ModelCards() {
    }

    /** The card of model {@code modelId}. */
    public static ObjectNode card(Catalog catalog, String modelId) {
        ModelRegistry registry = new ModelRegistry(catalog);
        ModelRegistry.Entry e = registry.require(modelId);
        ModelRecord m = catalog.model(modelId).orElseThrow();
        JsonNode prov = read(m.provenanceJson());
        ObjectNode card = JSON.createObjectNode();
        card.put("model_id", e.modelId()).put("name", e.name()).put("version", e.version()).put("owner", e.owner()).put("stage", e.stage().label())
                .put("run_id", m.runId()).put("created_at", m.createdAt().toString()).put("model_type", m.modelType())
                .put("strategy", prov.path("strategy").asText()).put("purpose", purpose(catalog, prov.path("job_id").asText(null)));
        ArrayNode data = card.putArray("data");
        List<ModelRegistry.Input> inputs = registry.inputs(modelId);
        for (ModelRegistry.Input i : inputs) {
            data.addObject().put("product", i.productId()).put("version", i.version()).put("owner", i.domain()).put("contract_sha256", i.contractSha256());
        }
        ObjectNode heldOut = card.putObject("metrics").putObject("held_out");
        ObjectNode training = ((ObjectNode) card.get("metrics")).putObject("training");
        for (Iterator<Map.Entry<String, JsonNode>> it = prov.path("metrics").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            if (!f.getValue().isNumber() || f.getKey().startsWith("dp_")) continue;
            if (f.getKey().startsWith("train_")) training.set(f.getKey().substring(6), f.getValue());
            else if (METRICS.contains(f.getKey())) heldOut.set(f.getKey(), f.getValue());
        }
        JsonNode eps = prov.path("metrics").path("dp_epsilon");
        card.put("privacy", eps.isNumber() ? "differentially private: epsilon " + eps.asDouble() + ", delta "
                + prov.path("metrics").path("dp_delta").asDouble() + " spent on each product it learned from" : "no differential privacy");
        ArrayNode limits = card.putArray("limits");
        limits.add("learned from " + inputs.size() + " product(s), at the versions and contracts listed under data; a new version of any of "
                + "them is a new model");
        limits.add(training.isEmpty() ? "its metrics are on the rows it trained on (no held-out rows)" : "metrics under held_out are on rows it "
                + "never trained on; training repeats them on its training rows");
        ArrayNode approvals = card.putArray("approvals");
        List<ModelRegistry.Approval> given = registry.approvals(modelId);
        for (ModelRegistry.Approval a : given) {
            approvals.addObject().put("product", a.productId()).put("version", a.productVersion()).put("contract_sha256", a.contractSha256())
                    .put("approver", a.approver()).put("certificate_sha256", a.certificateSha256()).put("at", a.at().toString());
            if (a.carriedFrom() != null) ((ObjectNode) approvals.get(approvals.size() - 1)).put("carried_from", a.carriedFrom());
        }
        ArrayNode toApprove = card.putArray("to_approve");
        java.util.Set<String> approved = new java.util.HashSet<>();
        given.forEach(a -> approved.add(a.productId()));
        for (ModelRegistry.Input i : inputs) {
            if (approved.contains(i.productId())) continue;
            toApprove.addObject().put("product", i.productId()).put("owner", i.domain())
                    .put("statement", new String(ModelRegistry.statement(e, i), StandardCharsets.UTF_8));
        }
        ArrayNode history = card.putArray("history");
        for (ModelRegistry.StageChange s : registry.history(modelId)) {
            history.addObject().put("stage", s.stage().label()).put("by", s.actor()).put("reason", s.reason()).put("at", s.at().toString());
        }
        card.set("retraining", retraining(catalog, prov.path("job_id").asText(null), modelId));
        card.set("drift", DriftCard.of(catalog, modelId));
        if (e.outputContract() != null) card.put("output_contract", e.outputContract());
        return card;
    }

    /** The metrics a card lists as the model's, held-out unless prefixed {@code train_}. */
    private static final java.util.Set<String> METRICS = java.util.Set.of("auc", "accuracy", "f1", "loss", "rmse", "mae", "r2", "deviance",
            "log_loss", "macro_f1", "precision", "recall");

    /**
     * The ODCS-shaped contract of a promoted model's output port: its predictions per entity (one
     * probability or value, a column per class for multiclass), who it is for (the owner and the
     * owners of its inputs) and how it is served.
     */
    public static String outputContract(Catalog catalog, String modelId) {
        ModelRegistry registry = new ModelRegistry(catalog);
        ModelRegistry.Entry e = registry.require(modelId);
        ModelRecord m = catalog.model(modelId).orElseThrow();
        JsonNode prov = read(m.provenanceJson());
        JsonNode model = prov.path("model");
        List<ModelRegistry.Input> inputs = registry.inputs(modelId);
        int classes = "MULTICLASS".equals(model.path("objective").asText()) || "softmax".equals(m.modelType()) ? model.path("classes").asInt(2) : 0;
        ObjectNode c = YAML.createObjectNode();
        c.put("apiVersion", "v3.0.2").put("kind", "DataContract").put("id", "model." + e.name()).put("name", e.name() + " predictions")
                .put("version", e.version() + ".0.0").put("status", "active").put("domain", owner(e.owner()));
        c.putObject("description").put("purpose", "Predictions of model " + e.name() + " v" + e.version() + " (" + e.modelId()
                + "), trained by run " + m.runId() + " on " + inputs.stream().map(i -> i.productId() + "@" + i.version()).toList());
        ArrayNode props = c.putArray("schema").addObject().put("name", "predictions").put("physicalType", "table").putArray("properties");
        props.addObject().put("name", "entity_key").put("logicalType", "string").put("required", true).put("primaryKey", true);
        if (classes > 0) {
            props.addObject().put("name", "prediction").put("logicalType", "integer").put("description", "the most probable class");
            for (int k = 0; k < classes; k++) props.addObject().put("name", "p_" + k).put("logicalType", "number");
        } else {
            props.addObject().put("name", "prediction").put("logicalType", "number")
                    .put("description", "the probability of class 1, the value or the expected count the model predicts");
        }
        props.addObject().put("name", "model").put("logicalType", "string").put("description", "the model's name");
        props.addObject().put("name", "model_version").put("logicalType", "string").put("description", "the model's version");
        if (List.of("vertical", "split", "secureboost").contains(prov.path("strategy").asText()) && prov.path("links").isEmpty() && ungrouped(prov)) {
            // every row of the requester is listed; these say which domains' parts were present on it
            props.addObject().put("name", "parts_present").put("logicalType", "integer").put("description", "how many domains' parts were present");
            for (String d : partDomains(prov)) {
                props.addObject().put("name", "part_" + d).put("logicalType", "integer").put("description", "1 where " + d + " knew the entity");
            }
        }
        ObjectNode meshfl = c.putObject("meshfl");
        meshfl.put("model", e.modelId()).put("strategy", prov.path("strategy").asText());
        ArrayNode consumers = meshfl.putArray("consumers");
        java.util.Set<String> who = new java.util.LinkedHashSet<>();
        who.add(e.owner());
        inputs.forEach(i -> who.add("domain:" + i.domain()));
        for (String w : who) consumers.addObject().put("identity", w).putArray("may").add("predict");
        meshfl.put("port", OutputPorts.PREFIX + e.name());
        meshfl.put("serviceLevel", "batch scoring with meshfl predict (every row of the requester's product, predictions land with the requester)"
                + (SERVED.contains(prov.path("strategy").asText()) ? "; online scoring with meshfl serve (POST /score over HTTPS, no alignment per call)" : ""));
        try {
            return YAML.writeValueAsString(c);
        } catch (com.fasterxml.jackson.core.JsonProcessingException ex) {
            throw new io.meshfl.core.MeshflException(io.meshfl.core.ErrorCode.INTERNAL, "cannot write the output contract of " + modelId, ex);
        }
    }

    /** The strategies whose models meshfl serve scores online. */
    private static final java.util.Set<String> SERVED = java.util.Set.of("vertical", "secureboost", "split", "horizontal");

    /** Whether every party of the model is a single product (a group's members score only the rows every party holds). */
    private static boolean ungrouped(JsonNode prov) {
        for (JsonNode p : prov.path("parts")) if (p.hasNonNull("group")) return false;
        return true;
    }

    private static List<String> partDomains(JsonNode prov) {
        List<String> out = new java.util.ArrayList<>();
        for (JsonNode p : prov.path("parts")) {
            if (p.hasNonNull("group")) return List.of();
            if (!out.contains(p.path("domain").asText())) out.add(p.path("domain").asText());
        }
        return out;
    }

    /** The domain of an owner identity ({@code domain:NAME}), or the identity itself for a client. */
    private static String owner(String identity) {
        return identity.startsWith("domain:") ? identity.substring(7) : identity;
    }

    /** The job's {@code retrain:} policy as written (null: none), and every retraining the model took part in, champion or challenger. */
    private static ObjectNode retraining(Catalog catalog, String jobId, String modelId) {
        ObjectNode out = JSON.createObjectNode();
        JsonNode policy = jobId == null ? null : catalog.job(jobId).map(j -> {
            try {
                return YAML.readTree(j.specYaml()).get("retrain");
            } catch (java.io.IOException ex) {
                return null;
            }
        }).orElse(null);
        out.set("policy", policy == null ? JSON.nullNode() : policy);
        // whether a coordinator without the owner's key may retrain it: only under the owner's standing ticket, until it ends
        var armed = jobId == null || policy == null ? java.util.Optional.<RetrainTickets.Armed>empty() : new RetrainTickets(catalog).of(jobId);
        out.set("armed", armed.<JsonNode>map(a -> JSON.createObjectNode().put("by", "standing ticket of " + a.submitter())
                .put("valid_until", a.validUntil().toString()).put("expired", java.time.Instant.now().isAfter(a.validUntil()))
                .put("ticket", a.fingerprint())).orElse(JSON.nullNode()));
        ArrayNode decisions = out.putArray("decisions");
        for (Retrainings.Retraining r : new Retrainings(catalog).of(modelId)) {
            ObjectNode d = decisions.addObject().put("role", r.championId().equals(modelId) ? "champion" : "challenger").put("champion", r.championId())
                    .put("challenger", r.challengerId()).put("run", r.runId()).put("cause", r.cause()).put("metric", r.metric())
                    .put("margin", r.margin()).put("decision", r.decision().label()).put("reason", r.reason()).put("started_at", r.startedAt().toString());
            if (r.championValue() != null) d.put("champion_value", r.championValue());
            if (r.challengerValue() != null) d.put("challenger_value", r.challengerValue());
            if (r.decidedAt() != null) d.put("decided_at", r.decidedAt().toString());
        }
        return out;
    }

    private static String purpose(Catalog catalog, String jobId) {
        if (jobId == null) return "(no job recorded)";
        return catalog.job(jobId).map(j -> {
            try {
                JsonNode d = YAML.readTree(j.specYaml()).path("description");
                return d.isTextual() ? d.asText() : "(the job " + j.name() + " gives no description)";
            } catch (java.io.IOException ex) {
                return "(the job " + j.name() + " gives no description)";
            }
        }).orElse("(job " + jobId + " is not in the catalog)");
    }

    private static JsonNode read(String json) {
        try {
            return JSON.readTree(json == null ? "{}" : json);
        } catch (java.io.IOException ex) {
            return JSON.createObjectNode();
        }
    }
}
