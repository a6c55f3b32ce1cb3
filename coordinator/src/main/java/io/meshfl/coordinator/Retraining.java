package io.meshfl.coordinator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshfl.core.catalog.Catalog;
import io.meshfl.core.catalog.ModelCards;
import io.meshfl.core.catalog.ModelRegistry;
import io.meshfl.core.catalog.ProductRecord;
import io.meshfl.core.catalog.RetrainTickets;
import io.meshfl.core.catalog.Retrainings;
import io.meshfl.core.contract.DataContract;
import io.meshfl.core.plan.JobLoader;
import io.meshfl.core.plan.JobSpec;
import io.meshfl.core.plan.RetrainPolicy;
import io.meshfl.core.report.RunReport;
import io.meshfl.core.trust.JobTicket;
import io.meshfl.core.trust.Submitter;

import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Retraining with champion and challenger. A model in production whose job has a {@code retrain:}
 * section is trained again, as a challenger, when a node registers a new version of a product it
 * learned from or when its cron schedule comes (UTC). The challenger runs the champion's stored job
 * spec through the same admission as any job ({@link JobRunner#run}: the ticket checked by the
 * coordinator and by every node, every product's grants), under a fresh ticket of the champion's
 * owner, who signed that spec and its {@code retrain:} section, when this coordinator holds the
 * owner's key; else under the standing retraining ticket the owner signed with the job, which the
 * nodes take once per new version of their products until it ends. It is registered as the next
 * candidate version; it replaces the champion only if it beats it on the held-out metric by the
 * margin, and only with the champion's approvals carried over when the products and their grants
 * did not change. The champion stays in production until then. Every decision, both metric values
 * and the reason land in the catalog ({@link Retrainings}) and in both versions' histories.
 */
public final class Retraining implements AutoCloseable {

    /** Who records the registry's changes a retraining makes. */
    static final String ACTOR = "coordinator";

    private final JobRunner runner;
    private final Catalog catalog;
    private final ModelRegistry registry;
    private final Retrainings store;
    private final Consumer<String> log;
    private final ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "meshfl-retraining");
        t.setDaemon(true);
        return t;
    });
    /** Model names with a challenger queued or running: one at a time per name. */
    private final Set<String> busy = ConcurrentHashMap.newKeySet();
    private volatile ZonedDateTime lastMinute;
    private volatile Function<String, JobObserver> observers;

    Retraining(JobRunner runner, Consumer<String> log) {
        this.runner = runner;
        this.catalog = runner.catalog();
        this.registry = new ModelRegistry(catalog);
        this.store = new Retrainings(catalog);
        this.log = log;
        this.observers = name -> new JobObserver() {
            @Override
            public void plan(String explain) {
            }

            @Override
            public void round(io.meshfl.core.protocol.horizontal.RoundSummary round) {
            }

            @Override
            public void log(String line) {
                log.accept("retraining " + name + ": " + line);
            }
        };
    }

    /** How each challenger run is followed (by model name); the coordinator's log by default. */
    public void observers(Function<String, JobObserver> observers) {
        this.observers = observers;
    }

    /** A champion with a retraining policy. */
    private record Champion(ModelRegistry.Entry entry, String jobId, JobSpec job, String specYaml, RetrainPolicy policy) {
    }

    /**
     * Products a node just registered at versions the catalog did not hold before: every champion
     * retrained on product versions that learned from one of them at another version gets a challenger.
     */
    List<CompletableFuture<Retrainings.Retraining>> newVersions(Map<String, String> added) {
        List<CompletableFuture<Retrainings.Retraining>> out = new ArrayList<>();
        if (added.isEmpty()) return out;
        for (Champion c : champions()) {
            if (!c.policy().onProductVersion()) continue;
            List<String> changed = new ArrayList<>();
            for (ModelRegistry.Input i : registry.inputs(c.entry().modelId())) {
                String v = added.get(i.productId());
                if (v != null && !v.equals(i.version())) changed.add(i.productId() + " " + i.version() + " -> " + v);
            }
            if (!changed.isEmpty()) submit(c, "new product version: " + String.join(", ", changed)).ifPresent(out::add);
        }
        return out;
    }

    /** Fires the cron schedules that match {@code now}'s minute (UTC), each minute once. */
    public List<CompletableFuture<Retrainings.Retraining>> tick(ZonedDateTime now) {
        ZonedDateTime minute = now.withZoneSameInstant(ZoneOffset.UTC).truncatedTo(ChronoUnit.MINUTES);
        List<CompletableFuture<Retrainings.Retraining>> out = new ArrayList<>();
        synchronized (this) {
            if (minute.equals(lastMinute)) return out;
            lastMinute = minute;
        }
        for (Champion c : champions()) {
            if (c.policy().cron() != null && c.policy().schedule().matches(minute)) {
                submit(c, "schedule " + c.policy().cron() + " (UTC) at " + minute.toInstant()).ifPresent(out::add);
            }
        }
        return out;
    }

    /** The models in production whose jobs have a {@code retrain:} section; a job that no longer reads is logged and left out. */
    private List<Champion> champions() {
        List<Champion> out = new ArrayList<>();
        for (ModelRegistry.Entry e : registry.list()) {
            if (e.stage() != ModelRegistry.Stage.PRODUCTION) continue;
            try {
                String jobId = RunReport.JSON.readTree(catalog.model(e.modelId()).orElseThrow().provenanceJson()).path("job_id").asText();
                String yaml = catalog.job(jobId).orElseThrow().specYaml();
                JobSpec job = JobLoader.parse(yaml, "catalog:job " + jobId);
                if (job.retrain() != null) out.add(new Champion(e, jobId, job, yaml, job.retrain()));
            } catch (RuntimeException | java.io.IOException ex) {
                log.accept("retraining: the job of model " + ModelRegistry.describe(e) + " cannot be read, so it is not retrained: " + ex.getMessage());
            }
        }
        return out;
    }

    private Optional<CompletableFuture<Retrainings.Retraining>> submit(Champion c, String cause) {
        String name = c.entry().name();
        if (!busy.add(name)) {
            log.accept("retraining " + name + ": a challenger is already training; " + cause + " is left to it");
            return Optional.empty();
        }
        log.accept("retraining " + ModelRegistry.describe(c.entry()) + ": " + cause);
        return Optional.of(CompletableFuture.supplyAsync(() -> {
            try {
                return retrain(c, cause);
            } catch (RuntimeException e) {
                log.accept("retraining " + name + " failed: " + e);
                throw e;
            } finally {
                busy.remove(name);
            }
        }, worker));
    }

    /** Trains the challenger and decides; the champion is touched only by the promotion that replaces it. */
    private Retrainings.Retraining retrain(Champion c, String cause) {
        ModelRegistry.Entry champion = c.entry();
        RetrainPolicy p = c.policy();
        Retrainings.Retraining r = store.start(champion.name(), champion.modelId(), cause, p.metric(), p.margin());
        Double champValue = heldOut(champion.modelId(), p.metric());
        Optional<Submitter> signer = runner.submitterFor(champion.owner());
        Optional<RetrainTickets.Armed> armed = signer.isPresent() ? Optional.empty()
                : new RetrainTickets(catalog).of(c.jobId()).filter(a -> a.submitter().equals(champion.owner()));
        if (signer.isEmpty() && armed.isEmpty()) {
            return fail(r, champion, null, null, champValue, "its owner " + champion.owner() + " signs the challenger's job ticket for the new "
                    + "product versions, and this coordinator holds no key of " + champion.owner() + " (it signs for " + runner.localIdentity()
                    + ") nor a standing retraining ticket of it; to arm retraining, " + champion.owner() + " submits the job again from its own "
                    + "client ('meshfl run --coordinator ...', which signs one, valid for --retrain-valid-days)");
        }
        ObjectNode report;
        try {
            if (signer.isPresent()) {
                Submitter s = signer.get();
                report = runner.run(c.job(), c.specYaml(), plan -> s.sign(Tickets.draft(s.identity(), JobTicket.TRAIN,
                        c.job().name(), plan.strategy(), c.specYaml(), Tickets.products(plan), null)), null, false, observers.apply(champion.name()));
            } else {
                report = Challengers.run(runner, c.job(), c.specYaml(), armed.get(), observers.apply(champion.name()));
            }
        } catch (RuntimeException e) {
            return fail(r, champion, null, null, champValue, "the challenger's run did not succeed: " + e.getMessage());
        }
        String challenger = report.path("model_id").asText();
        String runId = report.path("run_id").asText();
        ModelRegistry.Entry ch = registry.require(challenger);
        Double chValue = heldOut(challenger, p.metric());
        String versus = p.metric() + " " + fmt(chValue) + " against the champion's " + fmt(champValue) + ", margin " + p.margin();
        if (champValue == null || chValue == null) {
            registry.retire(challenger, ACTOR, "rejected challenger of v" + champion.version() + ": no held-out " + p.metric() + " to compare");
            return decide(r, champion, challenger, runId, champValue, chValue, Retrainings.Decision.REJECTED, "no held-out " + p.metric()
                    + " to compare (" + versus + ")");
        }
        if (!p.beats(chValue, champValue)) {
            registry.retire(challenger, ACTOR, "rejected challenger of v" + champion.version() + ": " + versus);
            return decide(r, champion, challenger, runId, champValue, chValue, Retrainings.Decision.REJECTED, "the challenger does not beat the "
                    + "champion by the margin: " + versus);
        }
        List<String> changes = changes(champion.modelId(), challenger);
        if (!changes.isEmpty()) {
            String why = "the challenger beats the champion (" + versus + "), but " + String.join("; ", changes) + ": the owners' approvals do "
                    + "not carry over, so it stays a candidate until they approve it, and the champion serves on";
            registry.note(challenger, ACTOR, "challenger of v" + champion.version() + ": " + why);
            return decide(r, champion, challenger, runId, champValue, chValue, Retrainings.Decision.NEEDS_APPROVALS, why);
        }
        registry.carryApprovals(champion.modelId(), challenger, ACTOR, "approvals carried over from v" + champion.version() + ": same products, "
                + "same grants");
        registry.promote(challenger, ACTOR, () -> ModelCards.outputContract(catalog, challenger));
        return decide(r, champion, challenger, runId, champValue, chValue, Retrainings.Decision.PROMOTED, "the challenger v" + ch.version()
                + " beats the champion by the margin (" + versus + ") with the same products and grants: promoted, v" + champion.version() + " retired");
    }

    /**
     * Why the owners' approvals of the champion cannot stand for the challenger: the set of products
     * changed, or the grants ({@code meshfl.consumers}) of one of them did; empty when neither.
     */
    private List<String> changes(String championId, String challengerId) {
        Map<String, ModelRegistry.Input> before = new java.util.LinkedHashMap<>(), after = new java.util.LinkedHashMap<>();
        registry.inputs(championId).forEach(i -> before.put(i.productId(), i));
        registry.inputs(challengerId).forEach(i -> after.put(i.productId(), i));
        List<String> out = new ArrayList<>();
        if (!before.keySet().equals(after.keySet())) {
            out.add("its products changed from " + before.keySet() + " to " + after.keySet());
            return out;
        }
        for (String id : before.keySet()) {
            DataContract a = contract(id, before.get(id).version()), b = contract(id, after.get(id).version());
            if (!Objects.equals(a.policy().consumers(), b.policy().consumers())) {
                out.add("the grants of " + id + " changed between version " + a.version() + " (" + grants(a) + ") and " + b.version()
                        + " (" + grants(b) + ")");
            }
        }
        return out;
    }

    /** A contract's grants as its owner wrote them: who may do what, through which protocols. */
    private static String grants(DataContract c) {
        if (c.policy().consumers() == null) return "its own domain only";
        return String.join("; ", c.policy().consumers().stream().map(g -> g.identity() + " may " + g.may()
                + (g.protocols().isEmpty() ? "" : " with " + g.protocols())).toList());
    }

    private DataContract contract(String id, String version) {
        ProductRecord r = catalog.product(id, version).orElseThrow();
        return runner.contract(r);
    }

    private Retrainings.Retraining fail(Retrainings.Retraining r, ModelRegistry.Entry champion, String challenger, String runId, Double champValue,
                                        String why) {
        return decide(r, champion, challenger, runId, champValue, null, Retrainings.Decision.FAILED, why);
    }

    private Retrainings.Retraining decide(Retrainings.Retraining r, ModelRegistry.Entry champion, String challenger, String runId, Double champValue,
                                          Double chValue, Retrainings.Decision d, String why) {
        Retrainings.Retraining done = store.decide(r.id(), challenger, runId, champValue, chValue, d, why);
        if (d != Retrainings.Decision.PROMOTED) {
            registry.note(champion.modelId(), ACTOR, "still in production: retraining " + r.id() + " (" + r.cause() + ") " + d.label() + ": " + why);
        }
        log.accept("retraining " + champion.name() + ": " + d.label() + ": " + why);
        return done;
    }

    /** The model's held-out value of {@code metric}, or null when its run reported none. */
    private Double heldOut(String modelId, String metric) {
        try {
            JsonNode v = RunReport.JSON.readTree(catalog.model(modelId).orElseThrow().provenanceJson()).path("metrics").path(metric);
            return v.isNumber() ? v.asDouble() : null;
        } catch (java.io.IOException e) {
            return null;
        }
    }

    private static String fmt(Double v) {
        return v == null ? "(none)" : String.format(java.util.Locale.ROOT, "%.4f", v);
    }

    @Override
    public void close() {
        worker.shutdownNow();
    }
}
