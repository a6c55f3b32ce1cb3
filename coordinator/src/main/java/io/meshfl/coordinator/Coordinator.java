package io.meshfl.coordinator;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.meshfl.core.MeshflException;
import io.meshfl.core.catalog.Catalog;
import io.meshfl.core.contract.ContractLoader;
import io.meshfl.core.contract.DataContract;
import io.meshfl.core.plan.JobSpec;
import io.meshfl.proto.NodeInfo;
import io.meshfl.proto.ProductInfo;
import io.meshfl.proto.RegisterReply;
import io.meshfl.core.trust.MeshIdentity;
import io.meshfl.core.trust.SignedTicket;
import io.meshfl.core.trust.Signer;
import io.meshfl.core.trust.Submitter;
import io.meshfl.core.trust.TicketVerifier;
import io.meshfl.wire.tls.MeshTls;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The coordinator: holds the catalog, keeps the node registry, and runs jobs. A thin host: the
 * planning and the round loop live in core.
 */
public final class Coordinator implements AutoCloseable {

    private final boolean takesUpRuns;
    final Catalog catalog;
    final NodeRegistry registry;
    final JobRunner runner;
    final Serving serving;
    private final int heartbeatMillis;
    final Consumer<String> log;
    private final ScheduledExecutorService sweeper;
    private Server server;
    /** The threads of the runs this coordinator resumed when it started. */
    private final java.util.List<Thread> resumed = new java.util.concurrent.CopyOnWriteArrayList<>();

    /** Who tells the parties of the runs this coordinator ended INTERRUPTED, and writes the audit records of it. */
    final Tellings tellings;

    /** How long a run left RUNNING waits for its nodes to register again with a restarted coordinator. */
    static final java.time.Duration RESUME_GRACE = java.time.Duration.ofSeconds(60);

    /**
     * How long a stopping coordinator waits for the parties of the runs it ended INTERRUPTED to be
     * told, before its catalog is closed: their calls have a minute's deadline, too long to hold a stop.
     */
    static final java.time.Duration TELL_WAIT = java.time.Duration.ofSeconds(5);

    /**
     * @param dial            opens a channel to a node's advertised address (TCP or in-process), whatever its domain
     * @param heartbeatMillis how often nodes heartbeat; a node silent for 3 intervals is lost
     */
    public Coordinator(Catalog catalog, Function<String, ManagedChannel> dial, int heartbeatMillis, Consumer<String> log) {
        this(catalog, (NodeDialer) (domain, address) -> dial.apply(address), heartbeatMillis, log);
    }

    /**
     * @param dial            opens a channel to the node of a domain at its advertised address; with TLS it
     *                        accepts only that domain's certificate
     * @param heartbeatMillis how often nodes heartbeat; a node silent for 3 intervals is lost
     */
    public Coordinator(Catalog catalog, NodeDialer dial, int heartbeatMillis, Consumer<String> log) {
        this(catalog, dial, heartbeatMillis, log, true);
    }

    /**
     * As {@link #Coordinator(Catalog, NodeDialer, int, Consumer)}; with {@code takesUpRuns} false
     * (an embedded mesh, which lives for one command) the runs left RUNNING by a coordinator that
     * stopped are not resumed in the background but ended INTERRUPTED at once, saying so.
     */
    public Coordinator(Catalog catalog, NodeDialer dial, int heartbeatMillis, Consumer<String> log, boolean takesUpRuns) {
        this.catalog = catalog.timing(MeshMetrics::catalog);
        this.takesUpRuns = takesUpRuns;
        this.heartbeatMillis = heartbeatMillis;
        this.log = log;
        this.registry = new NodeRegistry(dial, catalog, 3L * heartbeatMillis, log);
        this.runner = new JobRunner(catalog, registry);
        this.serving = new Serving(runner, log);
        this.tellings = new Tellings(log);
        // no run stays RUNNING without a live coordinator: those of a coordinator that stopped resume here, or end INTERRUPTED now
        resumeOrphans();
        int stale = catalog.removeEphemeralNodes();
        if (stale > 0) log.accept("removed " + stale + " node record(s) of embedded meshes that are gone");
        this.sweeper = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "meshfl-registry-sweep");
            t.setDaemon(true);
            return t;
        });
        sweeper.scheduleAtFixedRate(registry::sweep, heartbeatMillis, heartbeatMillis, TimeUnit.MILLISECONDS);
        this.retraining = new Retraining(runner, log);
        // retraining schedules are minutes of a cron expression: looking twice a minute sees each one
        sweeper.scheduleAtFixedRate(() -> {
            try {
                retraining.tick(java.time.ZonedDateTime.now(java.time.ZoneOffset.UTC));
            } catch (RuntimeException e) {
                log.accept("retraining schedules could not be checked: " + e.getMessage());
            }
        }, 30, 30, TimeUnit.SECONDS);
    }

    private final Retraining retraining;

    /** Retraining of models in production with champion and challenger. */
    public Retraining retraining() {
        return retraining;
    }

    /**
     * Names the transport its node channels run over (e.g. {@code mutual TLS}, {@code plaintext gRPC}),
     * for the audit log's protection of every message; {@code gRPC} until told.
     */
    public Coordinator transport(String description) {
        runner.transport(description);
        return this;
    }

    /**
     * The mesh's trust: tickets are checked against {@code verifier} (the mesh CA), and the
     * catalog's chains are sealed with {@code sealer} (the coordinator's certificate key; null
     * leaves seals unsigned, as on a plaintext trial mesh).
     */
    public Coordinator trust(TicketVerifier verifier, Signer sealer) {
        runner.verifier(verifier);
        runner.sealer(sealer);
        return this;
    }

    /** Who signs jobs submitted in this process ({@link #runJob}, {@link #predict}); unsigned {@code client:operator} until told. */
    public Coordinator submitter(Submitter submitter) {
        runner.submitter(submitter);
        return this;
    }

    /**
     * Sends the OpenLineage events of every run and promotion to {@code sink} (see
     * {@link io.meshfl.coordinator.lineage.LineageSink#parse}); null leaves lineage off, the default.
     */
    public Coordinator lineage(io.meshfl.coordinator.lineage.LineageSink sink) {
        io.meshfl.coordinator.lineage.Lineage before = runner.lineage();
        runner.lineage(io.meshfl.coordinator.lineage.Lineage.to(sink, log));
        before.close();
        if (sink != null) log.accept("lineage: OpenLineage events of runs and promotions go to " + sink.describe());
        return this;
    }

    /**
     * The population stability index above which a scoring batch's drift of a feature or of the score
     * is an alert (0.2 by default); refused unless positive and finite.
     */
    public Coordinator driftAlert(double threshold) {
        if (!(threshold > 0) || Double.isInfinite(threshold)) {
            throw new MeshflException(io.meshfl.core.ErrorCode.JOB_INVALID, "--drift-alert: the alert threshold is a positive index, got " + threshold);
        }
        runner.driftAlert(threshold);
        log.accept("drift: an alert when a scoring batch's population stability index exceeds " + threshold);
        return this;
    }

    public Coordinator start(ServerBuilder<?> builder) throws IOException {
        server = builder.addService(new CoordinatorService(this)).build().start();
        return this;
    }

    public int port() {
        return server.getPort();
    }

    /** Null when the coordinator can do its work (serving, its catalog answering), else why not: for readiness probes. */
    public String notReady() {
        if (server == null || server.isShutdown()) return "the coordinator does not serve yet";
        try {
            catalog.domains();
            return null;
        } catch (RuntimeException e) {
            return "its catalog does not answer";
        }
    }

    public Catalog catalog() {
        return catalog;
    }

    public NodeRegistry registry() {
        return registry;
    }

    /**
     * Takes up every run the catalog shows RUNNING that this coordinator does not drive: resumed
     * where it can be, else ended INTERRUPTED (at start, and when the catalog's lease comes back
     * after the catalog was away, since runs that could not commit then stopped).
     */
    public void resumeOrphans() {
        resumed.addAll(new Resumptions(runner, log, RESUME_GRACE, takesUpRuns, tellings).start());
    }

    /** Waits until the runs this coordinator resumed at start have ended (tests and orderly shutdown). */
    public void awaitResumed(long millis) throws InterruptedException {
        for (Thread t : resumed) t.join(millis);
    }

    public JobRunner runner() {
        return runner;
    }

    /** Registers a node: its products must all belong to its domain. */
    public RegisterReply register(NodeInfo info) {
        return register(info, null);
    }

    /**
     * Registers a node whose certificate names {@code peer} (null over plaintext or in-process):
     * the claimed domain and every product must be the certificate's domain.
     */
    public RegisterReply register(NodeInfo info, MeshIdentity peer) {
        String refused = peer == null ? null : Identities.refusal(info, peer);
        if (refused != null) {
            log.accept("refused registration: " + refused);
            return RegisterReply.newBuilder().setAccepted(false).setMessage(refused).build();
        }
        try {
            for (ProductInfo p : info.getProductsList()) {
                DataContract c = ContractLoader.parse(p.getContractYaml(), Path.of("node:" + info.getNodeId() + "/" + p.getId()), false);
                if (!c.domain().equals(info.getDomain()) || !c.id().equals(p.getId())) {
                    return RegisterReply.newBuilder().setAccepted(false).setMessage("node " + info.getNodeId() + " of domain '"
                            + info.getDomain() + "' cannot publish product " + c.id() + " of domain '" + c.domain() + "'").build();
                }
            }
            catalog.upsertDomain(info.getDomain(), info.getDomain() + "-team");
            // versions the catalog did not hold before: the champions learned from older ones may be retrained
            java.util.Map<String, String> added = new java.util.LinkedHashMap<>();
            for (ProductInfo p : info.getProductsList()) {
                if (catalog.product(p.getId(), p.getVersion()).isEmpty()) added.put(p.getId(), p.getVersion());
            }
            for (ProductInfo p : info.getProductsList()) {
                catalog.registerProduct(p.getId(), info.getDomain(), p.getVersion(), p.getContractYaml(), (int) p.getRows());
                runner.served(p.getId(), p.getVersion());
            }
            registry.register(info.getNodeId(), info.getDomain(), info.getAddress(), info.getEphemeral(), info.getVersion());
            if (peer != null) {
                String soon = io.meshfl.wire.tls.MeshTls.expiryWarning(peer, java.time.Instant.now());
                if (soon != null) log.accept(soon);
            }
            log.accept("node " + info.getNodeId() + " of " + info.getDomain() + " registered at " + info.getAddress()
                    + " with " + info.getProductsCount() + " product(s)");
            try {
                retraining.newVersions(added);
            } catch (RuntimeException e) {
                // a node's registration stands whatever retraining makes of it
                log.accept("retraining on the new versions " + added + " could not start: " + e.getMessage());
            }
            return RegisterReply.newBuilder().setAccepted(true).setHeartbeatMillis(heartbeatMillis).build();
        } catch (MeshflException e) {
            return RegisterReply.newBuilder().setAccepted(false).setMessage(e.toString()).build();
        }
    }

    /** Scores products with a stored vertical model; see {@link JobRunner#predict}. */
    public ObjectNode predict(String modelId, java.util.List<String> products, String requester, JobObserver observer) {
        return runner.predict(modelId, products, requester, observer);
    }

    /** As above, with what the request declares besides (how rows a party does not know are treated, the output product). */
    public ObjectNode predict(String modelId, java.util.List<String> products, String requester, PredictOptions options, JobObserver observer) {
        return runner.predict(modelId, products, requester, options, observer);
    }

    /** A serving session's ticket signed by this process's own submitter (the embedded mesh's operator). */
    public io.meshfl.core.trust.SignedTicket servingTicket(String modelId, java.util.List<String> products) {
        return runner.servingTicket(modelId, products);
    }

    /** Online serving, in this process (tests and the embedded mesh): a step of a session, as the caller {@code caller}. */
    public io.meshfl.proto.ServeReply serve(io.meshfl.proto.ServeCall call, String caller) {
        return serving.handle(call, caller);
    }

    /** The declarations of a prediction request as it came over the wire. */
    static PredictOptions options(io.meshfl.proto.PredictRequest r) {
        return new PredictOptions(r.getMissing(), r.getOutputProduct(), r.getOutputFormat(), r.getFallbackModel());
    }

    /** Runs a job to the end; the report is the return value, failures are thrown and recorded in the catalog. */
    public ObjectNode runJob(JobSpec job, String yaml, JobObserver observer) {
        return runner.run(job, yaml, observer);
    }

    /** How long the standing retraining tickets this process signs for its own jobs are valid ({@code meshfl run --retrain-valid-days}). */
    public Coordinator standingValidity(java.time.Duration d) {
        runner.standingValidity(d);
        return this;
    }

    /** As {@link #runJob(JobSpec, String, JobObserver)}, accepting the plan's warnings when {@code acceptWarnings}. */
    public ObjectNode runJob(JobSpec job, String yaml, boolean acceptWarnings, JobObserver observer) {
        return runner.run(job, yaml, acceptWarnings, observer);
    }

    @Override
    public void close() {
        if (!runner.awaitEnds(java.time.Duration.ofSeconds(10))) log.accept("stopping before every node heard how its last run ended");
        // while the node channels are open and before whoever owns the catalog closes it
        tellings.stop(TELL_WAIT);
        sweeper.shutdownNow();
        retraining.close();
        try {
            catalog.removeEphemeralNodes();
        } catch (RuntimeException e) {
            log.accept("could not remove the embedded mesh's node records: " + e.getMessage());
        }
        if (server != null) {
            server.shutdownNow();
            try {
                server.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        registry.close();
        runner.lineage().close();
    }

    public void awaitTermination() throws InterruptedException {
        server.awaitTermination();
    }

}
