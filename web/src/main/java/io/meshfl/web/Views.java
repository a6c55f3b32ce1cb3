package io.meshfl.web;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshfl.core.catalog.DomainRecord;
import io.meshfl.core.catalog.ModelRecord;
import io.meshfl.core.catalog.NodeRecord;
import io.meshfl.core.catalog.ProductRecord;
import io.meshfl.core.catalog.RoundRecord;
import io.meshfl.core.catalog.RunRecord;
import io.meshfl.core.contract.DataContract;

import java.util.List;

/**
 * The JSON the API answers for each kind of catalog record. What a domain keeps to itself never
 * appears: a contract's server (where the data lives, a file path or a database address) is left
 * out, and so are a model's parameters (served by the model routes of their own) and a job file's
 * folder.
 */
public final class Views {

    private Views() {
    }

    public static JsonNode domain(DomainRecord d) {
        return Json.MAPPER.createObjectNode().put("name", d.name()).put("owner", d.owner()).put("registered_at", String.valueOf(d.registeredAt()));
    }

    public static JsonNode node(NodeRecord n) {
        return Json.MAPPER.createObjectNode().put("id", n.nodeId()).put("domain", n.domain()).put("status", n.status())
                .put("last_heartbeat", String.valueOf(n.lastHeartbeat())).put("version", n.version());
    }

    public static ObjectNode product(ProductRecord p, DataContract c) {
        ObjectNode o = Json.MAPPER.createObjectNode().put("id", p.id()).put("domain", p.domain()).put("version", p.version())
                .put("rows", p.rows()).put("contract_sha256", p.contractSha256()).put("registered_at", String.valueOf(p.registeredAt()));
        if (c != null) {
            o.put("status", c.status());
            o.put("description", c.description());
            if (c.policy().label() != null) o.put("label", c.policy().label());
            ArrayNode cols = o.putArray("columns");
            for (var prop : c.properties()) {
                cols.addObject().put("name", prop.name()).put("type", String.valueOf(prop.logicalType()).toLowerCase(java.util.Locale.ROOT))
                        .put("pii", prop.isPii());
            }
            o.set("features", Json.MAPPER.valueToTree(c.featureColumns()));
            ArrayNode grants = o.putArray("consumers");
            if (c.policy().consumers() != null) {
                for (var g : c.policy().consumers()) {
                    ObjectNode grant = grants.addObject().put("identity", g.identity());
                    grant.set("may", Json.MAPPER.valueToTree(g.may()));
                    grant.set("protocols", Json.MAPPER.valueToTree(g.protocols()));
                }
            }
        }
        return o;
    }

    public static ObjectNode run(RunRecord r) {
        ObjectNode o = Json.MAPPER.createObjectNode().put("id", r.id()).put("job_id", r.jobId()).put("strategy", r.strategy())
                .put("status", r.status()).put("started_at", String.valueOf(r.startedAt()))
                .put("bytes_sent", r.bytesSent()).put("bytes_received", r.bytesReceived());
        if (r.endedAt() != null) o.put("ended_at", r.endedAt().toString());
        if (r.submitter() != null) o.put("submitter", r.submitter());
        if (r.error() != null) o.put("error", r.error());
        o.set("products", Json.MAPPER.valueToTree(r.productsCsv() == null ? List.of() : List.of(r.productsCsv().split(","))));
        o.set("metrics", Json.parse(r.metricsJson()));
        return o;
    }

    public static ObjectNode runDetail(RunRecord r, List<RoundRecord> rounds, List<ModelRecord> models) {
        ObjectNode o = run(r);
        o.set("plan", Json.parse(r.planJson()));
        ArrayNode rs = o.putArray("rounds");
        for (RoundRecord x : rounds) rs.add(round(x));
        o.set("models", Json.MAPPER.valueToTree(models.stream().map(ModelRecord::id).toList()));
        return o;
    }

    public static ObjectNode round(RoundRecord x) {
        ObjectNode n = Json.MAPPER.createObjectNode().put("round", x.round()).put("seconds", x.seconds()).put("bytes_sent", x.bytesSent())
                .put("bytes_received", x.bytesReceived()).put("nodes_ok", x.nodesOk()).put("nodes_failed", x.nodesFailed());
        n.set("metrics", Json.parse(x.metricsJson()));
        if (x.failuresJson() != null) n.set("failures", Json.parse(x.failuresJson()));
        return n;
    }

    public static ObjectNode model(ModelRecord m) {
        ObjectNode o = Json.MAPPER.createObjectNode().put("id", m.id()).put("run_id", m.runId()).put("type", m.modelType())
                .put("params", m.numParams()).put("created_at", String.valueOf(m.createdAt()));
        JsonNode prov = Json.parse(m.provenanceJson());
        if (prov instanceof ObjectNode p && p.hasNonNull("job_file")) {
            // the submitter's job file by name: its folder is the submitting machine's
            p.put("job_file", java.nio.file.Path.of(p.path("job_file").asText()).getFileName().toString());
        }
        o.set("provenance", prov);
        return o;
    }

    public static JsonNode audit(io.meshfl.core.catalog.AuditRecord a) {
        return Json.MAPPER.createObjectNode().put("seq", a.seq()).put("at", String.valueOf(a.at())).put("job_id", a.jobId()).put("run_id", a.runId())
                .put("step", a.step()).put("sender", a.sender()).put("receiver", a.receiver()).put("bytes", a.bytes())
                .put("protection", a.protection()).put("message", a.msgSeq());
    }
}
