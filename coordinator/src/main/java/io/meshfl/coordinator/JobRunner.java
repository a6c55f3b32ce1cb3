package io.meshfl.coordinator;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.catalog.Catalog;
import io.meshfl.core.catalog.ProductRecord;
import io.meshfl.core.catalog.RunRecord;
import io.meshfl.core.protocol.RunCheckpoint;
import io.meshfl.core.contract.ContractLoader;
import io.meshfl.core.contract.DataContract;
import io.meshfl.core.plan.JobSpec;
import io.meshfl.core.plan.Plan;
import io.meshfl.core.plan.Planner;
import io.meshfl.core.protocol.NodeChannel;
import io.meshfl.core.protocol.horizontal.RoundSummary;
import io.meshfl.core.catalog.CostModelStore;
import io.meshfl.core.catalog.IntegrationRecord;
import io.meshfl.core.plan.cost.CostModel;
import io.meshfl.core.catalog.IntegrationStore;
import io.meshfl.core.integration.Integration;
import io.meshfl.core.integration.IntegrationLoader;
import io.meshfl.core.report.RunReport;
import io.meshfl.core.catalog.ChainSeals;
import io.meshfl.core.catalog.JobRecord;
import io.meshfl.core.trust.JobTicket;
import io.meshfl.core.trust.SignedTicket;
import io.meshfl.core.trust.StandingTicket;
import io.meshfl.core.catalog.RetrainTickets;
import io.meshfl.core.trust.Signer;
import io.meshfl.core.trust.Submitter;
import io.meshfl.core.trust.TicketVerifier;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Runs one job on the coordinator, in the one direction data flows: job -> catalog -> plan ->
 * protocol -> nodes -> aggregate -> run record. Every run, failed or not, ends in the catalog.
 */
public final class JobRunner {

    private final Catalog catalog;
    private volatile String transport = "gRPC";
    private final NodeRegistry registry;
    private volatile TicketVerifier verifier = TicketVerifier.unauthenticated();
    private volatile Submitter localSubmitter = Submitter.unsigned("client:operator");
    private volatile Signer sealer;
    private final LiveRuns liveRuns = new LiveRuns();
    private volatile Durability durability = Durability.CHECKPOINT;
    private final java.util.Set<java.util.concurrent.CompletableFuture<?>> ends = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private volatile io.meshfl.coordinator.lineage.Lineage lineage = io.meshfl.coordinator.lineage.Lineage.off();
    /** The OpenLineage events of runs and promotions, read from the catalog only while lineage is on. */
    private final RunLineage runLineage;

    /**
     * When a horizontal run's rounds reach the catalog: each with the checkpoint to resume from
     * (the default), each as a record only (as before runs could resume), or all at the run's end.
     * The two weaker ones exist to measure what durability costs; a run under them says it cannot resume.
     */
    public enum Durability { CHECKPOINT, ROUND, END }

    public JobRunner(Catalog catalog, NodeRegistry registry) {
        this.catalog = catalog;
        this.registry = registry;
        this.runLineage = new RunLineage(catalog, this::contract, () -> lineage);
        this.models = new Registry(catalog, () -> verifier.approvals(), runLineage);
    }

    /** Where runs and promotions send their OpenLineage events; off until told. */
    void lineage(io.meshfl.coordinator.lineage.Lineage l) {
        this.lineage = l == null ? io.meshfl.coordinator.lineage.Lineage.off() : l;
    }

    /** The coordinator's lineage target: its undelivered events, where events go. */
    public io.meshfl.coordinator.lineage.Lineage lineage() {
        return lineage;
    }

    RunLineage runLineage() {
        return runLineage;
    }

    /** The population stability index above which a scoring batch's drift is an alert (0.2: the usual significant shift). */
    private volatile double driftAlert = io.meshfl.core.monitoring.Drift.SIGNIFICANT;

    void driftAlert(double threshold) {
        this.driftAlert = threshold;
    }

    double driftAlert() {
        return driftAlert;
    }

    /** The model registry's face: every stored model is registered, and owners approve and promote through it. */
    private final Registry models;

    Registry models() {
        return models;
    }

    /** The products the catalog knows, parsed back into contracts (schema and policy only). */
    public Map<String, Planner.ProductView> productViews() {
        Map<String, Planner.ProductView> out = new LinkedHashMap<>();
        for (ProductRecord p : catalog.products()) out.put(p.id(), new Planner.ProductView(contract(p), p.rows()));
        return out;
    }

    /** The contract version of each product that its registered node last said it serves. */
    private final Map<String, String> served = new java.util.concurrent.ConcurrentHashMap<>();

    /** Records the version of {@code productId} a node of {@code domain} serves, as it registered. */
    void served(String productId, String version) {
        served.put(productId, version);
    }

    /**
     * The products as a job plans against them: each at the version the job pins, or else at the
     * version its live node serves, or else the catalog's newest. A pin that the live node does
     * not serve, or that the catalog never saw, is refused here, before any node is asked. Each
     * choice other than the newest is returned in {@code notes}, for the plan to say.
     */
    Map<String, Planner.ProductView> productViews(JobSpec job, List<String> notes) {
        Map<String, Planner.ProductView> out = productViews();
        List<String> read = new java.util.ArrayList<>(job.products());
        // evaluation products are read at a version too: pinned, or what their live node serves
        read.addAll(job.evaluation().products());
        for (String id : read) {
            String field = job.products().contains(id) ? "products" : "evaluation.products";
            Planner.ProductView newest = out.get(id);
            if (newest == null) continue; // the planner names unknown products
            String domain = newest.contract().domain();
            String live = registry.alive(domain) ? served.get(id) : null;
            String pin = job.pins().get(id);
            String want = pin != null ? pin : live;
            if (pin != null && live != null && !live.equals(pin)) {
                throw new MeshflException(ErrorCode.PLAN_REFUSED, job.sourceFile() + ": " + field + ": " + id + "@" + pin + " is pinned, but the "
                        + "live node of domain '" + domain + "' serves version " + live + "; pin " + live + " or have the node serve " + pin);
            }
            if (want == null || want.equals(newest.contract().version())) {
                if (pin != null) notes.add(id + " v" + pin + " (pinned)");
                continue;
            }
            ProductRecord r = catalog.product(id, want).orElseThrow(() -> new MeshflException(ErrorCode.PLAN_REFUSED, job.sourceFile()
                    + ": " + field + ": " + id + "@" + want + (pin != null ? " is pinned" : " is what its node serves") + ", but the catalog has "
                    + "versions " + catalog.productVersions(id).stream().map(ProductRecord::version).toList()));
            out.put(id, new Planner.ProductView(contract(r), r.rows()));
            notes.add(id + " v" + want + (pin != null ? " (pinned" : " (served by its node") + "; the catalog's newest is v"
                    + newest.contract().version() + ")");
        }
        return out;
    }

    /** Contracts parsed once per version: a published version never changes (the catalog refuses a changed one). */
    private final Map<String, DataContract> parsed = new java.util.concurrent.ConcurrentHashMap<>();

    /** One registered contract version, parsed (schema and policy only). */
    DataContract contract(ProductRecord p) {
        return parsed.computeIfAbsent(p.id() + "@" + p.version() + "#" + p.contractSha256(),
                k -> ContractLoader.parse(p.contractYaml(), Path.of("catalog:" + p.id() + "@" + p.version()), false));
    }

    /**
     * The registered mesh integrations that join exactly the products of a job that names none.
     * They do not change the job (a job trains over a join only when it names it); the plan says
     * they exist.
     */
    List<String> joining(JobSpec job) {
        if (job.integration() != null) return List.of();
        Map<String, Planner.ProductView> views = productViews();
        java.util.Set<String> products = new java.util.HashSet<>(job.products());
        List<String> matching = new ArrayList<>();
        for (IntegrationRecord r : new IntegrationStore(catalog).list()) {
            try {
                if (integration(r.id(), views).products().equals(products)) matching.add(r.id());
            } catch (MeshflException e) {
                // an integration over products this catalog no longer holds cannot be the one
            }
        }
        return matching;
    }

    public Plan plan(JobSpec job) {
        List<String> versions = new ArrayList<>();
        Map<String, Planner.ProductView> views = productViews(job, versions);
        var fitted = new CostModelStore(catalog).latest();
        Plan plan = Planner.plan(job, views, id -> integration(id, views), fitted.map(CostModelStore.Fitted::model).orElse(CostModel.REFERENCE),
                fitted.map(f -> "this machine (" + f.source() + ", " + f.samples() + " samples, " + f.fittedAt() + ")")
                        .orElse("the reference machine (run 'meshfl calibrate' to measure this one)"));
        if (!versions.isEmpty()) plan = plan.withReason("product versions: " + String.join(", ", versions));
        plan = WarmStarts.check(catalog, job, plan);
        List<String> joins = joining(job);
        return joins.isEmpty() ? plan : plan.withReason("registered integration(s) " + joins + " join these products; the job names "
                + "none, so it trains as planned here; name one in 'integration' to train over its join");
    }

    /** See {@link Durability}; runs started from now on take it. */
    public void durability(Durability d) {
        this.durability = d;
    }

    void transport(String description) {
        this.transport = description;
    }

    /** How tickets are checked: against the mesh CA, or (plaintext trial meshes) taken at their word. */
    void verifier(TicketVerifier v) {
        this.verifier = v;
    }

    /** How long the standing tickets signed here for jobs with a {@code retrain:} section are valid. */
    private volatile Duration standingValidity = Duration.ofDays(90);

    void standingValidity(Duration d) {
        this.standingValidity = d;
    }

    /** Who signs the jobs submitted in this process ({@link #run(JobSpec, String, JobObserver)}). */
    void submitter(Submitter s) {
        this.localSubmitter = s;
    }

    /**
     * The signer of {@code identity}'s tickets, when this process holds its key (its local submitter):
     * a retraining's challenger runs under a ticket of its model's owner, never under another's.
     */
    Optional<Submitter> submitterFor(String identity) {
        Submitter s = localSubmitter;
        return s.identity().equals(identity) ? Optional.of(s) : Optional.empty();
    }

    /** The identity this process signs tickets as. */
    String localIdentity() {
        return localSubmitter.identity();
    }

    /** The coordinator's key, which signs the seals of the catalog's chains; null leaves them unsigned. */
    void sealer(Signer s) {
        this.sealer = s;
    }

    /** The latest registered version of a mesh integration, validated against the catalog's contracts. */
    Integration integration(String id, Map<String, Planner.ProductView> views) {
        IntegrationRecord r = new IntegrationStore(catalog).requireLatest(id);
        List<DataContract> contracts = views.values().stream().map(Planner.ProductView::contract).toList();
        return IntegrationLoader.parse(r.yaml(), Path.of("catalog:" + r.id() + "@" + r.version()), contracts);
    }

    /** Runs a job that this coordinator's local submitter signs here (embedded meshes, tests); see {@link #submitter}. */
    public ObjectNode run(JobSpec asked, String specYaml, JobObserver observer) {
        return run(asked, specYaml, false, observer);
    }

    /**
     * As {@link #run(JobSpec, String, JobObserver)}; {@code acceptWarnings} accepts the warnings of the
     * plan. A job with a {@code retrain:} section is armed by a standing ticket the local submitter
     * signs as well, valid for {@link #standingValidity}.
     */
    public ObjectNode run(JobSpec asked, String specYaml, boolean acceptWarnings, JobObserver observer) {
        Submitter s = localSubmitter;
        Duration validity = standingValidity;
        return run(asked, specYaml, plan -> s.sign(Tickets.draft(s.identity(), JobTicket.TRAIN, asked.name(), plan.strategy(), specYaml,
                Tickets.products(plan), null)), asked.retrain() == null ? null : plan -> s.sign(StandingTicket.draft(s.identity(), asked.name(),
                plan.strategy(), specYaml, Tickets.products(plan), validity)), null, acceptWarnings, observer);
    }

    /** As {@link #run(JobSpec, String, Function, Function, String, boolean, JobObserver)}, with retraining not armed by a standing ticket. */
    public ObjectNode run(JobSpec asked, String specYaml, Function<Plan, SignedTicket> ticketFor, String caller, boolean acceptWarnings,
                          JobObserver observer) {
        return run(asked, specYaml, ticketFor, null, caller, acceptWarnings, observer);
    }

    /**
     * Runs a job under the ticket its submitter signed for the plan ({@code ticketFor} gets the plan
     * and returns the ticket: signed here, or received with the job). {@code caller} is the identity
     * of the connection that submitted it (null in-process). The ticket is checked here and again by
     * every node; the run is recorded under its nonce, which runs once. A plan with warnings runs
     * only when {@code acceptWarnings} says its submitter accepts them. {@code standingFor} (null, or
     * returning null: none) gives the submitter's standing retraining ticket for the plan, checked
     * like the ticket and kept with the job, so that a coordinator without the submitter's key can
     * retrain its model ({@link Challengers#run}).
     */
    public ObjectNode run(JobSpec asked, String specYaml, Function<Plan, SignedTicket> ticketFor, Function<Plan, SignedTicket> standingFor,
                          String caller, boolean acceptWarnings, JobObserver observer) {
        var jobRecord = catalog.createJob(asked.name(), specYaml);
        JobSpec job;
        Plan plan;
        TicketVerifier.Verified ticket;
        SignedTicket signed;
        SignedTicket standing = null;
        try {
            job = asked;
            plan = plan(job);
            observer.plan(plan.explain());
            signed = ticketFor.apply(plan);
            List<JobTicket.ProductVersion> products = Tickets.products(plan);
            ticket = Tickets.admit(verifier, signed, caller, JobTicket.TRAIN, specYaml, plan.strategy(), products, null);
            Tickets.checkGrants(catalog, this::contract, products, ticket.submitter(), JobTicket.TRAIN, plan.strategy());
            standing = standingFor == null ? null : standingFor.apply(plan);
            if (standing != null) {
                if (job.retrain() == null) {
                    throw new MeshflException(ErrorCode.POLICY_VIOLATION, "a standing retraining ticket came with job " + job.name()
                            + ", which has no retrain: section");
                }
                Tickets.admitStanding(verifier, standing, ticket.submitter(), specYaml, plan.strategy(), products);
            }
            // who may run it is decided first; whether its submitter accepts what the plan warns of, after
            plan.requireAccepted(acceptWarnings, job.sourceFile());
        } catch (RuntimeException e) {
            catalog.updateJobStatus(jobRecord.id(), JobRecord.REFUSED);
            throw e;
        }
        if (standing != null) {
            var armed = new RetrainTickets(catalog).arm(jobRecord.id(), standing);
            observer.log("retraining armed by the standing ticket of " + armed.submitter() + " until " + armed.validUntil());
        }
        return start(jobRecord, job, plan, ticket.submitter(), ticket.authenticated(), ticket.ticket().nonce(), ticket.fingerprint(), signed.encode(),
                observer);
    }

    /** Registers an admitted run and executes it; {@code ticket} is what opens it on each node. */
    ObjectNode start(JobRecord jobRecord, JobSpec job, Plan plan, String submitter, boolean authenticated, String nonce, String fingerprint,
                             byte[] ticket, JobObserver observer) {
        catalog.updateJobStatus(jobRecord.id(), JobRecord.PLANNED);
        if (!authenticated) {
            observer.log("submitter " + submitter + " is taken at its word: this mesh runs without certificates (--insecure)");
        }
        for (String d : plan.domains()) {
            if (registry.channel(d).filter(x -> registry.alive(d)).isEmpty()) {
                throw new MeshflException(ErrorCode.TOO_FEW_NODES, "no live node of domain '" + d + "' is registered with the coordinator; "
                        + "start one with 'meshfl node --domain " + d + " ...'");
            }
        }
        String planJson = RunReport.JSON.valueToTree(plan).toString();
        String configJson = RunReport.JSON.valueToTree(job).toString();
        RunRecord run = catalog.startRunReading(jobRecord.id(), plan.strategy(), planJson, configJson, job.seed(),
                plan.participants().stream().map(p -> new Catalog.Read(p.productId(), p.version())).toList(),
                new Catalog.Ticket(submitter, nonce, fingerprint));
        LiveRuns.LiveRun live = liveRuns.start(run.id(), jobRecord.id(), submitter);
        return execute(new Execution(job, plan, run, submitter, fingerprint, ticket, null, List.of(), 0), live, observer);
    }

    /**
     * What a run executes with: a fresh run carries the ticket its nodes authorize it by; a resumed
     * one (attempt 1, 2, ...) the checkpoint and the rounds it goes on from, its nodes holding its
     * authorization still.
     */
    record Execution(JobSpec job, Plan plan, RunRecord run, String submitter, String ticketSha256, byte[] ticket, RunCheckpoint from,
                     List<RoundSummary> before, int attempt) {
    }

    /** Runs a registered run to its end, through its protocol, and records how it ended; {@code live} ends with it. */
    ObjectNode execute(Execution x, LiveRuns.LiveRun live, JobObserver observer) {
        return new RunExecution(this, durability).execute(x, live, observer);
    }

    /** Registers a run this coordinator drives from now on (a resumed one before it waits for its nodes). */
    LiveRuns.LiveRun live(RunRecord run, String submitter) {
        return liveRuns.start(run.id(), run.jobId(), submitter);
    }

    /** Asks a running run to stop after its current round; returns why it cannot be, or null. */
    public String cancel(String runId, String who) {
        return liveRuns.cancel(runId, who);
    }

    /** Follows a live run: its events go to {@code follower} too, until it ends; false when it is not running here. */
    public boolean follow(String runId, JobObserver follower) {
        return liveRuns.get(runId).map(r -> {
            r.follow(follower);
            return true;
        }).orElse(false);
    }

    public void unfollow(String runId, JobObserver follower) {
        liveRuns.get(runId).ifPresent(r -> r.unfollow(follower));
    }

    /** Whether this coordinator drives the run now. */
    boolean isLive(String runId) {
        return liveRuns.get(runId).isPresent();
    }

    /** Forgets a live run that ended without {@link #execute} (a resume that never started). */
    void endLive(String runId) {
        liveRuns.end(runId);
    }

    /** Seals the catalog's chains after a run, signed by the coordinator's key when it has one. */
    ChainSeals.Seal seal(String runId) {
        return new ChainSeals(catalog).seal(runId, sealer);
    }

    /**
     * Scores the rows of {@code productIds} with a stored vertical model: parties score their own
     * columns, the sealed partial scores land with {@code requester} (default: the label holder).
     */
    public ObjectNode predict(String modelId, List<String> productIds, String requester, JobObserver observer) {
        return predict(modelId, productIds, requester, PredictOptions.NONE, observer);
    }

    /** As above, with what the request declares besides ({@code missing}: how rows a party does not know are treated; the output product). */
    public ObjectNode predict(String modelId, List<String> productIds, String requester, PredictOptions missing, JobObserver observer) {
        Submitter s = localSubmitter;
        return predict(modelId, productIds, requester, missing, (strategy, products) -> s.sign(Tickets.draft(s.identity(), JobTicket.PREDICT,
                "predict-" + modelId, strategy, Tickets.predictSpec(modelId, productIds, requester, missing), products, modelId)), null, observer);
    }

    /** A serving session's ticket signed by this process's own submitter (the embedded mesh's operator). */
    public SignedTicket servingTicket(String modelId, List<String> productIds) {
        PredictPlan pp = planPredict(modelId, productIds);
        Submitter s = localSubmitter;
        return s.sign(Tickets.draft(s.identity(), JobTicket.PREDICT, "serve-" + modelId, pp.strategy(), Serving.spec(modelId, productIds),
                pp.products(), modelId));
    }

    /** The provenance of a stored model; CATALOG_NOT_FOUND when there is no such model. */
    com.fasterxml.jackson.databind.JsonNode provenance(String modelId) {
        var model = catalog.model(modelId).orElseThrow(() -> new MeshflException(ErrorCode.CATALOG_NOT_FOUND,
                "no model '" + modelId + "' in the catalog; see 'meshfl catalog models'"));
        try {
            return RunReport.JSON.readTree(model.provenanceJson());
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new MeshflException(ErrorCode.CATALOG_FAILURE, "provenance of model " + modelId + " is unreadable", e);
        }
    }

    /** What a prediction request reads: the model's training strategy and the scoring products' latest versions. */
    public record PredictPlan(String strategy, List<JobTicket.ProductVersion> products) {
    }

    /** The strategy and product versions a prediction's ticket must name. */
    public PredictPlan planPredict(String modelId, List<String> productIds) {
        String strategy = provenance(modelId).path("strategy").asText();
        List<JobTicket.ProductVersion> products = new ArrayList<>();
        for (String id : productIds) products.add(new JobTicket.ProductVersion(id, catalog.requireProduct(id).version()));
        return new PredictPlan(strategy, products);
    }

    /**
     * As {@link #predict(String, List, String, JobObserver)} under a ticket its submitter signed for
     * the prediction's strategy and product versions ({@code ticketFor}); {@code caller} as for runs.
     */
    public ObjectNode predict(String modelId, List<String> productIds, String requester, PredictOptions missing,
                              java.util.function.BiFunction<String, List<JobTicket.ProductVersion>, SignedTicket> ticketFor, String caller,
                              JobObserver observer) {
        return new Predictions(this).predict(modelId, productIds, requester, missing, ticketFor, caller, observer);
    }

    // ---- what the run and prediction paths share

    Catalog catalog() {
        return catalog;
    }

    NodeRegistry registry() {
        return registry;
    }

    String transport() {
        return transport;
    }

    LiveRuns liveRuns() {
        return liveRuns;
    }

    /** Keeps track of a run's end still being told to its parties after its result was returned. */
    void endsLater(java.util.concurrent.CompletableFuture<?> f) {
        ends.add(f);
        f.whenComplete((v, e) -> ends.remove(f));
    }

    /**
     * Waits up to {@code timeout} until every finished run's parties have been told its end (an
     * embedded mesh waits before it stops its nodes); returns whether all were.
     */
    public boolean awaitEnds(java.time.Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (var f : java.util.List.copyOf(ends)) {
            long left = deadline - System.nanoTime();
            try {
                f.get(Math.max(0, left), java.util.concurrent.TimeUnit.NANOSECONDS);
            } catch (java.util.concurrent.TimeoutException e) {
                return false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            } catch (java.util.concurrent.ExecutionException e) {
                // an end that could not be told was logged by the session
            }
        }
        return true;
    }

    TicketVerifier verifier() {
        return verifier;
    }

        static long[] traffic(Map<String, NodeChannel> channels) {
        long s = 0, r = 0;
        for (NodeChannel c : channels.values()) {
            s += c.bytesSent();
            r += c.bytesReceived();
        }
        return new long[]{s, r};
    }
}
