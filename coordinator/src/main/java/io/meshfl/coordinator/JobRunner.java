package io.meshfl.coordinator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.catalog.Catalog;
import io.meshfl.core.catalog.ProductRecord;
import io.meshfl.core.catalog.RoundRecord;
import io.meshfl.core.catalog.RunRecord;
import io.meshfl.core.contract.ContractLoader;
import io.meshfl.core.contract.DataContract;
import io.meshfl.core.plan.JobSpec;
import io.meshfl.core.plan.Plan;
import io.meshfl.core.plan.Planner;
import io.meshfl.core.protocol.NodeChannel;
import io.meshfl.core.protocol.horizontal.HorizontalRunner;
import io.meshfl.core.protocol.horizontal.RunObserver;
import io.meshfl.core.protocol.horizontal.RoundSummary;
import io.meshfl.core.protocol.horizontal.RunOutcome;
import io.meshfl.core.catalog.CostModelStore;
import io.meshfl.core.catalog.IntegrationRecord;
import io.meshfl.core.plan.cost.CostModel;
import io.meshfl.core.catalog.IntegrationStore;
import io.meshfl.core.integration.Integration;
import io.meshfl.core.integration.IntegrationLoader;
import io.meshfl.core.protocol.boost.BoostRunner;
import io.meshfl.core.protocol.factorized.JoinedRunner;
import io.meshfl.core.protocol.boost.BoostScorer;
import io.meshfl.core.protocol.split.SplitRunner;
import io.meshfl.core.protocol.split.SplitScorer;
import io.meshfl.core.protocol.vertical.VerticalRunner;
import io.meshfl.core.protocol.vertical.VerticalScorer;
import io.meshfl.core.report.RunReport;
import io.meshfl.core.catalog.ChainSeals;
import io.meshfl.core.catalog.JobRecord;
import io.meshfl.core.trust.JobTicket;
import io.meshfl.core.trust.SignedTicket;
import io.meshfl.core.trust.Signer;
import io.meshfl.core.trust.Submitter;
import io.meshfl.core.trust.TicketVerifier;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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

    public JobRunner(Catalog catalog, NodeRegistry registry) {
        this.catalog = catalog;
        this.registry = registry;
    }

    /** The products the catalog knows, parsed back into contracts (schema and policy only). */
    public Map<String, Planner.ProductView> productViews() {
        Map<String, Planner.ProductView> out = new LinkedHashMap<>();
        for (ProductRecord p : catalog.products()) out.put(p.id(), new Planner.ProductView(contract(p), p.rows()));
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
     * The job as it will run: one that names no integration but whose products are exactly those
     * a registered mesh integration joins trains over that join (two such integrations must be
     * told apart by name).
     */
    public JobSpec resolve(JobSpec job) {
        if (job.integration() != null) return job;
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
        if (matching.size() > 1) {
            throw new MeshflException(ErrorCode.PLAN_REFUSED, job.sourceFile() + ": integration: the products are joined by " + matching
                    + "; name the one to train over in 'integration'");
        }
        return matching.isEmpty() ? job : job.withIntegration(matching.get(0));
    }

    public Plan plan(JobSpec job) {
        job = resolve(job);
        Map<String, Planner.ProductView> views = productViews();
        var fitted = new CostModelStore(catalog).latest();
        return Planner.plan(job, views, id -> integration(id, views), fitted.map(CostModelStore.Fitted::model).orElse(CostModel.REFERENCE),
                fitted.map(f -> "this machine (" + f.source() + ", " + f.samples() + " samples, " + f.fittedAt() + ")")
                        .orElse("the reference machine (run 'meshfl calibrate' to measure this one)"));
    }

    void transport(String description) {
        this.transport = description;
    }

    /** How tickets are checked: against the mesh CA, or (plaintext trial meshes) taken at their word. */
    void verifier(TicketVerifier v) {
        this.verifier = v;
    }

    /** Who signs the jobs submitted in this process ({@link #run(JobSpec, String, JobObserver)}). */
    void submitter(Submitter s) {
        this.localSubmitter = s;
    }

    /** The coordinator's key, which signs the seals of the catalog's chains; null leaves them unsigned. */
    void sealer(Signer s) {
        this.sealer = s;
    }

    /**
     * The run's outcome with the planner's predicted seconds and the actual ones in its metrics
     * (joined runs record their own), so every run in the log can re-fit the cost model.
     */
    private static RunOutcome withPrediction(RunOutcome out, Plan plan) {
        if (out.metrics().containsKey("predicted_seconds")) return out;
        double est = plan.candidates().stream().filter(c -> c.strategy().equals(plan.strategy())).mapToDouble(Plan.Candidate::estSeconds)
                .findFirst().orElse(0);
        Map<String, Double> m = new LinkedHashMap<>(out.metrics());
        if (est > 0) {
            // vertical, split and boosted-tree candidates are priced per round; the others per run
            boolean perRound = List.of("vertical", "split", "secureboost").contains(plan.strategy());
            m.put("predicted_seconds", perRound ? est * out.rounds().size() : est);
        }
        m.put("actual_seconds", out.wallSeconds());
        return new RunOutcome(out.params(), m, out.rounds(), out.bytesSent(), out.bytesReceived(), out.payloadBytes(), out.wallSeconds());
    }

    /** The relationships of a star join, as links from the base product's domain to each joined product's. */
    private List<VerticalRunner.Link> links(Integration in) {
        Map<String, Planner.ProductView> views = productViews();
        List<VerticalRunner.Link> out = new ArrayList<>();
        for (var s : in.plan().steps()) {
            out.add(new VerticalRunner.Link(views.get(s.product()).contract().domain(), s.parentKey().column(), s.childKey().column()));
        }
        return out;
    }

    /** The latest registered version of a mesh integration, validated against the catalog's contracts. */
    Integration integration(String id, Map<String, Planner.ProductView> views) {
        IntegrationRecord r = new IntegrationStore(catalog).requireLatest(id);
        List<DataContract> contracts = views.values().stream().map(Planner.ProductView::contract).toList();
        return IntegrationLoader.parse(r.yaml(), Path.of("catalog:" + r.id() + "@" + r.version()), contracts);
    }

    /** Runs a job that this coordinator's local submitter signs here (embedded meshes, tests); see {@link #submitter}. */
    public ObjectNode run(JobSpec asked, String specYaml, JobObserver observer) {
        Submitter s = localSubmitter;
        return run(asked, specYaml, plan -> s.sign(Tickets.draft(s.identity(), JobTicket.TRAIN, asked.name(), plan.strategy(), specYaml,
                Tickets.products(plan), null)), null, observer);
    }

    /**
     * Runs a job under the ticket its submitter signed for the plan ({@code ticketFor} gets the plan
     * and returns the ticket: signed here, or received with the job). {@code caller} is the identity
     * of the connection that submitted it (null in-process). The ticket is checked here and again by
     * every node; the run is recorded under its nonce, which runs once.
     */
    public ObjectNode run(JobSpec asked, String specYaml, Function<Plan, SignedTicket> ticketFor, String caller, JobObserver observer) {
        var jobRecord = catalog.createJob(asked.name(), specYaml);
        JobSpec job;
        Plan plan;
        TicketVerifier.Verified ticket;
        SignedTicket signed;
        try {
            job = resolve(asked);
            plan = plan(job);
            observer.plan(plan.explain());
            signed = ticketFor.apply(plan);
            List<JobTicket.ProductVersion> products = Tickets.products(plan);
            ticket = Tickets.admit(verifier, signed, caller, JobTicket.TRAIN, specYaml, plan.strategy(), products, null);
            Tickets.checkGrants(catalog, this::contract, products, ticket.submitter(), JobTicket.TRAIN, plan.strategy());
        } catch (RuntimeException e) {
            catalog.updateJobStatus(jobRecord.id(), JobRecord.REFUSED);
            throw e;
        }
        catalog.updateJobStatus(jobRecord.id(), JobRecord.PLANNED);
        if (!ticket.authenticated()) {
            observer.log("submitter " + ticket.submitter() + " is taken at its word: this mesh runs without certificates (--insecure)");
        }
        Map<String, NodeChannel> channels = new LinkedHashMap<>();
        var audit = new java.util.concurrent.ConcurrentLinkedQueue<io.meshfl.core.catalog.AuditRecord>();
        for (String d : plan.domains()) {
            if (registry.channel(d).filter(x -> registry.alive(d)).isEmpty()) {
                throw new MeshflException(ErrorCode.TOO_FEW_NODES, "no live node of domain '" + d + "' is registered with the coordinator; "
                        + "start one with 'meshfl node --domain " + d + " ...'");
            }
            // whichever node of the domain is registered at each call: one that restarts is reached again
            channels.put(d, AuditingChannel.wrap(new RegistryChannel(registry, d), audit, transport));
        }
        String planJson = RunReport.JSON.valueToTree(plan).toString();
        String configJson = RunReport.JSON.valueToTree(job).toString();
        RunRecord run = catalog.startRun(jobRecord.id(), plan.strategy(), planJson, configJson, job.seed(),
                plan.participants().stream().map(Plan.Participant::productId).toList(),
                new Catalog.Ticket(ticket.submitter(), ticket.ticket().nonce(), ticket.fingerprint()));
        long[] start = traffic(channels);
        Privacy dp = Privacy.of(job, plan, catalog);
        RunSession session = new RunSession(channels, jobRecord.id(), run.id());
        int[] roundsDone = {0};
        LiveRuns.LiveRun live = liveRuns.start(run.id(), jobRecord.id(), ticket.submitter());
        JobObserver obs = live.fanOut(observer);
        obs.started(run.id(), jobRecord.id());
        try {
            session.authorize(signed);
            dp.charge(run.id());
            RunObserver ro = new RunObserver() {
                @Override
                public void round(RoundSummary s) {
                    roundsDone[0] = s.round();
                    catalog.recordRound(run.id(), new RoundRecord(s.round(), s.seconds(), s.bytesSent(), s.bytesReceived(),
                            s.nodesOk(), s.failures().size(), RunReport.JSON.valueToTree(s.metrics()).toString(), failures(s)));
                    AuditingChannel.flush(catalog, audit);
                    obs.round(s);
                }

                @Override
                public void log(String line) {
                    obs.log(line);
                }
            };
            RunOutcome out = switch (plan.strategy()) {
                case "vertical" -> new VerticalRunner(job, plan, channels, ro).run(jobRecord.id(), run.id());
                case "split" -> new SplitRunner(job, plan, channels, ro).run(jobRecord.id(), run.id());
                case "secureboost" -> new BoostRunner(job, plan, channels, ro).run(jobRecord.id(), run.id());
                case "materialized", "factorized" -> new JoinedRunner(job, plan, integration(job.integration(), productViews()), channels, ro)
                        .run(jobRecord.id(), run.id());
                case "federated-factorized" -> new VerticalRunner(job, plan, channels, ro, links(integration(job.integration(), productViews())))
                        .run(jobRecord.id(), run.id());
                default -> new HorizontalRunner(job, plan, channels, registry::alive, ro).run(jobRecord.id(), run.id());
            };
            out = withPrediction(out, plan);
            String metricsJson = RunReport.JSON.valueToTree(out.metrics()).toString();
            ObjectNode prov = Provenances.of(jobRecord.id(), run.id(), job, plan, out);
            prov.put("submitter", ticket.submitter()).put("ticket_sha256", ticket.fingerprint());
            if (plan.strategy().equals("federated-factorized")) {
                // scoring new base rows aligns them with the joined products the same way
                var arr = prov.putArray("links");
                for (VerticalRunner.Link l : links(integration(job.integration(), productViews()))) {
                    arr.addObject().put("host", l.host()).put("foreign_key", l.foreignKey()).put("key", l.key());
                }
            }
            String provenance = prov.toString();
            var model = catalog.saveModel(run.id(), plan.model().type().name().toLowerCase(), out.params(), provenance);
            catalog.finishRun(run.id(), metricsJson, out.bytesSent(), out.bytesReceived());
            AuditingChannel.flush(catalog, audit);
            dp.settle(run.id(), out.metrics());
            ChainSeals.Seal seal = seal(run.id());
            session.end(RunRecord.SUCCEEDED, seal, obs::log);
            AuditingChannel.flush(catalog, audit);
            ObjectNode report = RunReport.build(jobRecord.id(), run.id(), model.id(), job, plan, out);
            report.set("provenance", RunReport.JSON.readTree(provenance));
            report.put("seal", seal.hash());
            obs.ended(run.id(), RunRecord.SUCCEEDED, "");
            return report;
        } catch (RuntimeException e) {
            long[] now = traffic(channels);
            String msg = e instanceof MeshflException me ? me.toString() : e.toString();
            boolean cancelled = e instanceof MeshflException me && me.code() == ErrorCode.RUN_CANCELLED;
            String status = cancelled ? RunRecord.CANCELLED : RunRecord.FAILED;
            if (cancelled) catalog.cancelRun(run.id(), msg, now[0] - start[0], now[1] - start[1]);
            else catalog.failRun(run.id(), msg, now[0] - start[0], now[1] - start[1]);
            AuditingChannel.flush(catalog, audit);
            dp.settleFailed(run.id(), roundsDone[0]);
            ChainSeals.Seal seal = seal(run.id());
            // the parties discard what they hold of a run that did not succeed
            session.end(status, seal, obs::log);
            AuditingChannel.flush(catalog, audit);
            obs.ended(run.id(), status, msg);
            throw e;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new MeshflException(ErrorCode.INTERNAL, "provenance is not valid JSON: " + e.getMessage(), e);
        } finally {
            liveRuns.end(run.id());
        }
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

    /**
     * Ends every run the catalog still shows RUNNING, which no coordinator drives any more (this
     * one has just started): INTERRUPTED with the reason, sealed like every ended run. Returns them.
     */
    public List<RunRecord> interruptOrphans() {
        List<RunRecord> out = new ArrayList<>();
        for (RunRecord r : catalog.runningRuns()) {
            if (liveRuns.get(r.id()).isPresent()) continue;
            out.add(catalog.interruptRun(r.id(), "its coordinator stopped while it ran (started " + r.startedAt()
                    + "); the run cannot be resumed and its parties discard it when they hear of it"));
            seal(r.id());
        }
        return out;
    }

    /** Seals the catalog's chains after a run, signed by the coordinator's key when it has one. */
    ChainSeals.Seal seal(String runId) {
        return new ChainSeals(catalog).seal(runId, sealer);
    }

    /** The failures of a round as {@code {"domain": "reason"}}, null when every node delivered. */
    private static String failures(RoundSummary s) {
        if (s.failures().isEmpty()) return null;
        ObjectNode o = RunReport.JSON.createObjectNode();
        for (var f : s.failures()) o.put(f.nodeId(), f.code() + ": " + f.reason());
        return o.toString();
    }

    /**
     * Scores the rows of {@code productIds} with a stored vertical model: parties score their own
     * columns, the sealed partial scores land with {@code requester} (default: the label holder).
     */
    public ObjectNode predict(String modelId, List<String> productIds, String requester, JobObserver observer) {
        Submitter s = localSubmitter;
        return predict(modelId, productIds, requester, (strategy, products) -> s.sign(Tickets.draft(s.identity(), JobTicket.PREDICT,
                "predict-" + modelId, strategy, Tickets.predictSpec(modelId, productIds, requester), products, modelId)), null, observer);
    }

    /** What a prediction request reads: the model's training strategy and the scoring products' latest versions. */
    public record PredictPlan(String strategy, List<JobTicket.ProductVersion> products) {
    }

    /** The strategy and product versions a prediction's ticket must name. */
    public PredictPlan planPredict(String modelId, List<String> productIds) {
        var model = catalog.model(modelId).orElseThrow(() -> new MeshflException(ErrorCode.CATALOG_NOT_FOUND,
                "no model '" + modelId + "' in the catalog; see 'meshfl catalog models'"));
        String strategy;
        try {
            strategy = RunReport.JSON.readTree(model.provenanceJson()).path("strategy").asText();
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new MeshflException(ErrorCode.CATALOG_FAILURE, "provenance of model " + modelId + " is unreadable", e);
        }
        List<JobTicket.ProductVersion> products = new ArrayList<>();
        for (String id : productIds) products.add(new JobTicket.ProductVersion(id, catalog.requireProduct(id).version()));
        return new PredictPlan(strategy, products);
    }

    /**
     * As {@link #predict(String, List, String, JobObserver)} under a ticket its submitter signed for
     * the prediction's strategy and product versions ({@code ticketFor}); {@code caller} as for runs.
     */
    public ObjectNode predict(String modelId, List<String> productIds, String requester,
                              java.util.function.BiFunction<String, List<JobTicket.ProductVersion>, SignedTicket> ticketFor, String caller,
                              JobObserver observer) {
        return new Predictions(this).predict(modelId, productIds, requester, ticketFor, caller, observer);
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
