package io.meshfl.coordinator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.catalog.Catalog;
import io.meshfl.core.catalog.JobRecord;
import io.meshfl.core.catalog.RunRecord;
import io.meshfl.core.plan.JobSpec;
import io.meshfl.core.plan.Planner;
import io.meshfl.core.protocol.NodeChannel;
import io.meshfl.core.protocol.boost.BoostScorer;
import io.meshfl.core.protocol.scoring.Missing;
import io.meshfl.core.protocol.scoring.ScoringRequest;
import io.meshfl.core.protocol.split.SplitScorer;
import io.meshfl.core.protocol.vertical.VerticalRunner;
import io.meshfl.core.protocol.vertical.VerticalScorer;
import io.meshfl.core.report.RunReport;
import io.meshfl.core.trust.JobTicket;
import io.meshfl.core.trust.SignedTicket;
import io.meshfl.core.trust.TicketVerifier;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Scoring with a stored model whose parts are spread over domains (vertical, split-network,
 * SecureBoost, federated-factorized): the request is signed and checked like a run, each party
 * scores its own columns, the result lands with the requester. A run of its own in the catalog.
 */
final class Predictions {

    /** Strategies whose models stay split over the domains' nodes and are scored here. */
    static final List<String> SPREAD = List.of("vertical", "split", "secureboost", "federated-factorized");

    /** Strategies whose models can score every row of the requester's product. */
    static final List<String> EVERY_ROW = List.of("vertical", "split", "secureboost");

    private final JobRunner runner;

    Predictions(JobRunner runner) {
        this.runner = runner;
    }

    ObjectNode predict(String modelId, List<String> productIds, String requester, PredictOptions options,
                              java.util.function.BiFunction<String, List<JobTicket.ProductVersion>, SignedTicket> ticketFor, String caller,
                              JobObserver observer) {
        var model = runner.catalog().model(modelId).orElseThrow(() -> new MeshflException(ErrorCode.CATALOG_NOT_FOUND,
                "no model '" + modelId + "' in the catalog; see 'meshfl catalog models'"));
        JsonNode prov = runner.provenance(modelId);
        String strategy = prov.path("strategy").asText();
        if (!SPREAD.contains(strategy)) {
            throw new MeshflException(ErrorCode.PLAN_REFUSED, "model " + modelId + " was trained " + strategy
                    + "; meshfl predict scores models whose parts are spread over domains (" + String.join(", ", SPREAD) + ")");
        }
        Map<String, Planner.ProductView> views = runner.productViews();
        Map<String, String> productOfDomain = new LinkedHashMap<>();
        for (String id : productIds) {
            Planner.ProductView v = views.get(id);
            if (v == null) throw new MeshflException(ErrorCode.UNKNOWN_PRODUCT, "unknown data product '" + id + "'");
            if (productOfDomain.put(v.contract().domain(), id) != null) {
                throw new MeshflException(ErrorCode.PLAN_REFUSED, "two scoring products of domain " + v.contract().domain());
            }
        }
        String guest = null;
        java.util.Set<String> partDomains = new java.util.LinkedHashSet<>();
        // the members of a party made of several products score as its members: sparse rows, masked partial scores
        Map<String, String> groupOf = new LinkedHashMap<>();
        for (JsonNode part : prov.path("parts")) {
            String d = part.path("domain").asText();
            partDomains.add(d);
            if ("guest".equals(part.path("role").asText())) guest = d;
            if (part.hasNonNull("group")) groupOf.put(d, part.path("group").asText());
            if (!productOfDomain.containsKey(d)) {
                throw new MeshflException(ErrorCode.PLAN_REFUSED, "model " + modelId + " has a part in domain '" + d
                        + "' but no scoring product of that domain was given; domains given: " + productOfDomain.keySet());
            }
        }
        String who = requester != null ? requester : guest;
        List<VerticalRunner.Link> links = new ArrayList<>();
        for (JsonNode l : prov.path("links")) {
            links.add(new VerticalRunner.Link(l.path("host").asText(), l.path("foreign_key").asText(), l.path("key").asText()));
        }
        if (!links.isEmpty() && !who.equals(guest)) {
            throw new MeshflException(ErrorCode.PLAN_REFUSED, "model " + modelId + " was trained over a join; its predictions are for the rows "
                    + "of the base product's domain '" + guest + "', which must be the requester (asked: '" + who + "')");
        }
        List<VerticalScorer.Part> parts = new ArrayList<>();
        Map<String, NodeChannel> channels = new LinkedHashMap<>();
        var audit = new java.util.concurrent.ConcurrentLinkedQueue<io.meshfl.core.catalog.AuditRecord>();
        for (var e : productOfDomain.entrySet()) {
            parts.add(new VerticalScorer.Part(e.getKey(), e.getValue(), partDomains.contains(e.getKey()), groupOf.get(e.getKey())));
            channels.put(e.getKey(), AuditingChannel.wrap(runner.registry().channel(e.getKey()).filter(x -> runner.registry().alive(e.getKey())).orElseThrow(() ->
                    new MeshflException(ErrorCode.TOO_FEW_NODES, "no live node of domain '" + e.getKey() + "'")), audit, runner.transport()));
        }
        ScoringRequest scoring = scoring(modelId, strategy, prov, links, groupOf, options, observer);
        FallbackScoring fallback = options.fallback() == null ? null
                : FallbackScoring.of(runner, modelId, prov, options.fallback(), productOfDomain.keySet(), who, scoring);
        String spec = Tickets.predictSpec(modelId, productIds, requester, options);
        var jobRecord = runner.catalog().createJob("predict-" + modelId, spec);
        JobRunner.PredictPlan pp = runner.planPredict(modelId, productIds);
        SignedTicket signed;
        TicketVerifier.Verified ticket;
        try {
            signed = ticketFor.apply(strategy, pp.products());
            ticket = Tickets.admit(runner.verifier(), signed, caller, JobTicket.PREDICT, spec, strategy, pp.products(), modelId);
            Tickets.checkGrants(runner.catalog(), runner::contract, pp.products(), ticket.submitter(), JobTicket.PREDICT, strategy);
            // a published model's predictions are for the consumers its output port names, the fallback's too
            io.meshfl.core.catalog.OutputPorts.check(runner.catalog(), modelId, ticket.submitter());
            if (options.fallback() != null) io.meshfl.core.catalog.OutputPorts.check(runner.catalog(), options.fallback(), ticket.submitter());
        } catch (RuntimeException e) {
            runner.catalog().updateJobStatus(jobRecord.id(), JobRecord.REFUSED);
            throw e;
        }
        RunRecord run = runner.catalog().startRun(jobRecord.id(), strategy + "-inference", "{}", "{}", 0, productIds,
                new Catalog.Ticket(ticket.submitter(), ticket.ticket().nonce(), ticket.fingerprint()));
        RunLineage lineage = runner.runLineage();
        List<io.meshfl.coordinator.lineage.Lineage.Delivery> deliveries = new ArrayList<>();
        if (lineage.on()) deliveries.add(lineage.scoring("START", run, jobRecord.name(), modelId, pp.products(), who, 0, null, observer::log));
        // each node checks the ticket on the first request of the run it receives
        channels = TicketChannel.wrapAll(channels, signed.encode());
        long[] start = JobRunner.traffic(channels);
        // the scorers name their messages by the run, job id included
        RunSession session = new RunSession(channels, run.id(), run.id());
        try {
            long t0 = System.nanoTime();
            if (fallback != null) {
                // the fallback model first, over its own domains' products, into a file of this run the requester merges next
                var f = scoreWith(fallback.modelId(), fallback.provenance(), fallback.parts(parts, who), channels, run.id(), who, List.of(),
                        fallback.request(run.id()), observer);
                observer.log("fallback model " + fallback.modelId() + " scored " + f.metrics().getOrDefault("rows_scored", 0.0).intValue()
                        + " rows of " + who);
                scoring = scoring.files("", fallback.file(run.id()));
            }
            var r = scoreWith(modelId, prov, parts, channels, run.id(), who, links, scoring, observer);
            // drift is stored with the run's metrics, and each index above the threshold is an alert in the log and for Prometheus
            Map<String, Double> metrics = new LinkedHashMap<>(r.metrics());
            metrics.putAll(DriftAlerts.record(modelId, metrics, runner.driftAlert(), observer::log));
            long[] now = JobRunner.traffic(channels);
            runner.catalog().finishRun(run.id(), RunReport.JSON.valueToTree(metrics).toString(), now[0] - start[0], now[1] - start[1]);
            AuditingChannel.flush(runner.catalog(), audit);
            session.end(RunRecord.SUCCEEDED, runner.seal(run.id()), observer::log);
            AuditingChannel.flush(runner.catalog(), audit);
            ObjectNode out = RunReport.JSON.createObjectNode();
            out.put("run_id", run.id());
            out.put("model_id", modelId);
            out.put("requester", r.requester());
            out.put("rows", r.rows());
            out.put("predictions", r.predictions());
            out.put("wall_seconds", (System.nanoTime() - t0) / 1e9);
            out.put("bytes_sent", now[0] - start[0]);
            out.put("bytes_received", now[1] - start[1]);
            out.set("metrics", RunReport.JSON.valueToTree(metrics));
            published(r, out, observer);
            if (lineage.on()) {
                deliveries.add(lineage.scoring("COMPLETE", run, jobRecord.name(), modelId, pp.products(), r.requester(), r.rows(), null,
                        observer::log));
                out.set("lineage", io.meshfl.coordinator.lineage.Lineage.toJson(deliveries));
            }
            return out;
        } catch (RuntimeException e) {
            long[] now = JobRunner.traffic(channels);
            runner.catalog().failRun(run.id(), e instanceof MeshflException me ? me.toString() : e.toString(), now[0] - start[0], now[1] - start[1]);
            AuditingChannel.flush(runner.catalog(), audit);
            session.end(RunRecord.FAILED, runner.seal(run.id()), observer::log);
            AuditingChannel.flush(runner.catalog(), audit);
            if (lineage.on()) lineage.scoring("FAIL", run, jobRecord.name(), modelId, pp.products(), who, 0,
                    e instanceof MeshflException me ? me.toString() : e.toString(), observer::log);
            throw e;
        }
    }

    /**
     * What the scoring asks of the nodes: every row of the requester's product, with rows a party
     * does not know treated as {@code missing} says (refused, that is listed unscored, by default),
     * for models whose parties are single products aligned by entity key (vertical, split networks
     * and SecureBoost);
     * the rows all parties share for the others, said in the log, and a declared treatment refused.
     */
    private ScoringRequest scoring(String modelId, String strategy, JsonNode prov, List<VerticalRunner.Link> links, Map<String, String> groupOf,
                                   PredictOptions options, JobObserver observer) {
        String missing = options.missing();
        if (options.product() != null && !EVERY_ROW.contains(strategy)) {
            throw new MeshflException(ErrorCode.PLAN_REFUSED, "output.product: the predictions of a " + strategy
                    + " model are written to the requester's predictions folder only");
        }
        Missing mode = missing == null || missing.isEmpty() ? Missing.REFUSE : Missing.parse(missing, "missing.mode");
        if ((mode == Missing.FALLBACK_MODEL) != (options.fallback() != null)) {
            throw new MeshflException(ErrorCode.JOB_INVALID, mode == Missing.FALLBACK_MODEL
                    ? "missing.mode: fallback-model needs the fallback model (missing.model, --fallback MODEL)"
                    : "missing.model: a fallback model is used only with missing.mode fallback-model");
        }
        var entry = new io.meshfl.core.catalog.ModelRegistry(runner.catalog()).entry(modelId);
        String name = entry.map(io.meshfl.core.catalog.ModelRegistry.Entry::name).orElse(prov.path("job").asText(modelId));
        String version = entry.map(e -> Integer.toString(e.version())).orElse("");
        boolean everyRow = EVERY_ROW.contains(strategy) && links.isEmpty() && groupOf.isEmpty();
        if (!everyRow) {
            String why = !links.isEmpty() ? "it was trained over a join" : !groupOf.isEmpty() ? "a party of it is made of several products"
                    : "it is a " + strategy + " model";
            if (missing != null && !missing.isEmpty()) {
                throw new MeshflException(ErrorCode.PLAN_REFUSED, "missing.mode: model " + modelId + " scores only the rows every party "
                        + "holds (" + why + "); leave the treatment of missing parts out");
            }
            observer.log("scoring the rows every party holds: " + why + ", so rows a party does not know are not listed");
        }
        return new ScoringRequest(everyRow, mode, name, version, options.product(), options.format());
    }

    /**
     * Registers the product the requester's node published its predictions as, under the requester's
     * domain, so that it is discovered and requested like any other product.
     */
    private void published(VerticalScorer.Result r, ObjectNode out, JobObserver observer) {
        String id = r.output().get("product_id");
        if (id == null) return;
        io.meshfl.core.contract.DataContract c = io.meshfl.core.contract.ContractLoader.parse(r.output().get("product_contract"), null, false);
        if (!c.domain().equals(r.requester()) || !c.id().equals(id)) {
            throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "the predictions product " + id + " is not of the requester's domain "
                    + r.requester());
        }
        runner.catalog().registerProduct(c.id(), c.domain(), c.version(), r.output().get("product_contract"),
                Integer.parseInt(r.output().getOrDefault("product_rows", "0")));
        out.put("product", c.id() + "@" + c.version());
        observer.log("predictions published as product " + c.id() + " version " + c.version() + " of " + c.domain());
    }

    /** Scores with one stored model: the scorer of its strategy, told everything it needs from the model's provenance. */
    private VerticalScorer.Result scoreWith(String modelId, JsonNode prov, List<VerticalScorer.Part> parts, Map<String, NodeChannel> channels,
                                            String runId, String who, List<VerticalRunner.Link> links, ScoringRequest scoring, JobObserver observer) {
        String partsKey = prov.path("parts_key").asText();
        String label = prov.path("label").asText();
        java.time.Duration timeout = java.time.Duration.ofMinutes(10);
        List<String> partDomains = new ArrayList<>();
        String guest = null;
        for (JsonNode part : prov.path("parts")) {
            if (!partDomains.contains(part.path("domain").asText())) partDomains.add(part.path("domain").asText());
            if ("guest".equals(part.path("role").asText())) guest = part.path("domain").asText();
        }
        String type = prov.path("model").path("type").asText();
        return switch (prov.path("strategy").asText()) {
            // an external trainer's network: its top runs in the training label holder's trainer, from the part that node kept
            case "split" -> "EXTERNAL".equals(type)
                    ? SplitScorer.scoreExternal(channels, runId, partsKey, splitSettings(prov, modelId), head(prov), partDomains, guest, parts, who,
                    label, timeout, observer::log, scoring)
                    : SplitScorer.score(channels, runId, partsKey, splitSettings(prov, modelId), head(prov), partDomains,
                    runner.catalog().model(modelId).orElseThrow().parameters(), parts, who, label, timeout, observer::log, scoring);
            case "secureboost" -> BoostScorer.score(channels, runId, partsKey, guest, label, parts, who, timeout, observer::log, scoring);
            default -> VerticalScorer.score(channels, runId, partsKey, type, "SOFTMAX".equals(type) ? prov.path("model").path("classes").asInt() : 1,
                    label, parts, who, timeout, observer::log, links, scoring);
        };
    }

    /** The head of the split network a model's provenance describes: binary unless its model names another objective. */
    static io.meshfl.core.model.nn.Head head(JsonNode prov) {
        JsonNode m = prov.path("model");
        String objective = m.path("objective").asText("");
        if (objective.isEmpty() || m.path("objective").isNull()) return io.meshfl.core.model.nn.Head.BINARY;
        return new io.meshfl.core.model.nn.Head(io.meshfl.core.model.ModelSpec.Task.valueOf(objective.toUpperCase(java.util.Locale.ROOT)),
                m.path("classes").asInt(1));
    }

    static JobSpec.SplitSettings splitSettings(JsonNode prov, String modelId) {
        try {
            return RunReport.JSON.treeToValue(prov.path("split_settings"), JobSpec.SplitSettings.class);
        } catch (com.fasterxml.jackson.core.JsonProcessingException | IllegalArgumentException e) {
            throw new MeshflException(ErrorCode.CATALOG_FAILURE, "model " + modelId + ": split settings in its provenance are unreadable: "
                    + e.getMessage(), e);
        }
    }
}
