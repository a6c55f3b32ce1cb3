package io.meshfl.coordinator;

import io.meshfl.coordinator.lineage.Lineage;
import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.catalog.Catalog;
import io.meshfl.core.catalog.ModelRecord;
import io.meshfl.core.catalog.ModelRegistry;
import io.meshfl.core.catalog.ProductRecord;
import io.meshfl.core.catalog.RunRecord;
import io.meshfl.core.contract.DataContract;
import io.meshfl.core.lineage.LineageDataset;
import io.meshfl.core.lineage.LineageEvents;
import io.meshfl.core.lineage.LineageRun;
import io.meshfl.core.plan.Plan;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The coordinator's lineage of runs and promotions: what each event names, read from the catalog
 * (product versions with their contracts' columns, the model's registry entry) when the event is
 * sent, so nothing is read while lineage is off. Every method answers the {@link Lineage.Delivery}
 * of its event (null when off) and never throws.
 */
final class RunLineage {

    private final Catalog catalog;
    private final Function<ProductRecord, DataContract> contracts;
    private final Supplier<Lineage> lineage;

    RunLineage(Catalog catalog, Function<ProductRecord, DataContract> contracts, Supplier<Lineage> lineage) {
        this.catalog = catalog;
        this.contracts = contracts;
        this.lineage = lineage;
    }

    boolean on() {
        return lineage.get().on();
    }

    /** A training run started: its products in, its model (by name) to come out. */
    Lineage.Delivery trainingStarted(RunRecord run, String jobName, Plan plan, String submitter, Consumer<String> runLog) {
        LineageRun r = LineageRun.of(LineageRun.Kind.TRAINING, run.id(), jobName, run.jobId(), plan.strategy(), submitter);
        return lineage.get().emit("START", jobName, () -> LineageEvents.start(r, products(plan), List.of(LineageDataset.Model.named(jobName)),
                Instant.now()), runLog);
    }

    /** A training run stored model {@code modelId}: the products it learned from in, that model version out. */
    Lineage.Delivery trainingCompleted(RunRecord run, String jobName, Plan plan, String submitter, String modelId, Consumer<String> runLog) {
        LineageRun r = LineageRun.of(LineageRun.Kind.TRAINING, run.id(), jobName, run.jobId(), plan.strategy(), submitter);
        return lineage.get().emit("COMPLETE", jobName, () -> LineageEvents.complete(r, products(plan), modelId == null ? List.of() : List.of(model(modelId)), Instant.now()),
                runLog);
    }

    /** A training run failed or was cancelled, with the catalog's reason. */
    Lineage.Delivery trainingEnded(RunRecord run, String jobName, Plan plan, String submitter, boolean cancelled, String reason,
                                   Consumer<String> runLog) {
        LineageRun r = LineageRun.of(LineageRun.Kind.TRAINING, run.id(), jobName, run.jobId(), plan.strategy(), submitter);
        return lineage.get().emit(cancelled ? "ABORT" : "FAIL", jobName, () -> cancelled
                ? LineageEvents.abort(r, products(plan), reason, Instant.now()) : LineageEvents.fail(r, products(plan), reason, Instant.now()), runLog);
    }

    /** A scoring run: its products and the model in; on completion the predictions with the requester out. */
    Lineage.Delivery scoring(String eventType, RunRecord run, String jobName, String modelId, List<io.meshfl.core.trust.JobTicket.ProductVersion> used,
                             String requesterDomain, long rows, String reason, Consumer<String> runLog) {
        LineageRun r = LineageRun.of(LineageRun.Kind.PREDICTION, run.id(), jobName, run.jobId(), run.strategy(), run.submitter());
        return lineage.get().emit(eventType, jobName, () -> {
            List<LineageDataset> in = new ArrayList<>();
            for (var p : used) in.add(product(p.id(), p.version()));
            LineageDataset.Model model = model(modelId);
            in.add(model);
            Instant now = Instant.now();
            return switch (eventType) {
                case "START" -> LineageEvents.start(r, in, List.of(), now);
                case "COMPLETE" -> LineageEvents.complete(r, in, List.of(new LineageDataset.Predictions(requesterDomain, model.name(), modelId,
                        rows)), now);
                default -> LineageEvents.fail(r, in, reason, now);
            };
        }, runLog);
    }

    /** A model version went to production, promoted by {@code actor}: the products it learned from, each with its approver, and the model. */
    Lineage.Delivery promoted(String modelId, String actor, Consumer<String> log) {
        ModelRegistry registry = new ModelRegistry(catalog);
        String job = "promote-" + registry.entry(modelId).map(ModelRegistry.Entry::name).orElse(modelId);
        return lineage.get().emit("COMPLETE", job, () -> {
            LineageDataset.Model model = model(modelId);
            Map<String, String> approvers = new LinkedHashMap<>();
            for (ModelRegistry.Approval a : registry.approvals(modelId)) approvers.put(a.productId(), a.approver());
            List<LineageDataset.Product> in = new ArrayList<>();
            for (ModelRegistry.Input i : registry.inputs(modelId)) in.add(product(i.productId(), i.version()));
            Instant now = Instant.now();
            LineageRun r = new LineageRun(LineageRun.Kind.PROMOTION, modelId + "@" + now, job, null, model.strategy(), actor);
            return LineageEvents.promotion(r, in, approvers, model, now);
        }, log);
    }

    /** The products a plan reads, training and evaluation, each version once. */
    private List<LineageDataset.Product> products(Plan plan) {
        Map<String, LineageDataset.Product> out = new LinkedHashMap<>();
        for (List<Plan.Participant> ps : List.of(plan.participants(), plan.evaluation())) {
            for (Plan.Participant p : ps) out.computeIfAbsent(p.productId() + "@" + p.version(), k -> product(p.productId(), p.version()));
        }
        return List.copyOf(out.values());
    }

    private LineageDataset.Product product(String id, String version) {
        ProductRecord r = catalog.product(id, version).orElseThrow(() -> new MeshflException(ErrorCode.CATALOG_NOT_FOUND,
                "product " + id + "@" + version + " is not in the catalog"));
        return LineageDataset.Product.of(r, contracts.apply(r));
    }

    private LineageDataset.Model model(String modelId) {
        ModelRegistry.Entry e = new ModelRegistry(catalog).require(modelId);
        ModelRecord m = catalog.model(modelId).orElseThrow();
        String strategy = catalog.run(m.runId()).map(RunRecord::strategy).orElse(null);
        return new LineageDataset.Model(e.name(), e.version(), e.modelId(), e.owner(), e.stage().label(), m.modelType(), strategy);
    }
}
