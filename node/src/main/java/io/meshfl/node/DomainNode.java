package io.meshfl.node;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.stub.StreamObserver;
import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.contract.DataContract;
import io.meshfl.core.protocol.Message;
import io.meshfl.core.protocol.NodeProtocol;
import io.meshfl.core.protocol.session.SessionSteps;
import io.meshfl.proto.Chunk;
import io.meshfl.proto.DescribeRequest;
import io.meshfl.proto.NodeInfo;
import io.meshfl.proto.NodeServiceGrpc;
import io.meshfl.proto.ProductInfo;
import io.meshfl.wire.NodeCallHandler;

import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A domain node: serves its own domain's data products to the protocols it hosts, over gRPC.
 * It registers with the coordinator and heartbeats; the protocols (found with
 * {@link ServiceLoader}) do the work, this class only routes messages and guards the data.
 */
public final class DomainNode implements AutoCloseable {

    private final String nodeId;
    private final String domain;
    private final Map<String, DataContract> products = new LinkedHashMap<>();
    private final Map<String, NodeProtocol> protocols = new LinkedHashMap<>();
    private final LocalNodeContext context;
    private final Map<String, ReplayGuard> guards = new ConcurrentHashMap<>();
    private final PolicyGuard guard = new PolicyGuard();
    private volatile RunAuthorizations runs;
    private volatile NodeAudit audit;
    private volatile SealCheck sealCheck = SealCheck.NONE;
    private volatile PeerKeys peerKeys = PeerKeys.NONE;
    private final SignedSettings signedSettings = new SignedSettings();
    private final java.util.Deque<String> violations = new java.util.concurrent.ConcurrentLinkedDeque<>();
    private final Consumer<String> log;
    private Server server;
    private String address;
    /** Checks seals after the run's end was answered: one thread for every node in this JVM. */
    private static final java.util.concurrent.ExecutorService SEAL_CHECKS = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "meshfl-seal-check");
        t.setDaemon(true);
        return t;
    });
    /** One small scheduler beats for every node in this JVM, so a simulation of many nodes does not need a thread each. */
    private static final ScheduledExecutorService HEARTBEATS = Executors.newScheduledThreadPool(2, r -> {
        Thread t = new Thread(r, "meshfl-heartbeat");
        t.setDaemon(true);
        return t;
    });
    private volatile CoordinatorLink link;
    private volatile boolean ephemeral;

    /**
     * @param contracts every contract in the node's folder; those of other domains are refused
     */
    public DomainNode(String domain, List<DataContract> contracts, Consumer<String> log) {
        this(domain, contracts, log, ProductSource.FILES);
    }

    /**
     * @param source where rows come from: the product's declared location, or generated rows in
     *               a simulation. Policy checks apply either way.
     */
    public DomainNode(String domain, List<DataContract> contracts, Consumer<String> log, ProductSource source) {
        this.domain = domain;
        this.nodeId = domain + "-" + UUID.randomUUID().toString().substring(0, 8);
        this.log = log;
        for (DataContract c : contracts) {
            if (!c.domain().equals(domain)) {
                throw new MeshflException(ErrorCode.POLICY_VIOLATION, "contract " + c.sourceFile() + " belongs to domain '"
                        + c.domain() + "'; a node of domain '" + domain + "' cannot serve it");
            }
            products.put(c.id(), c);
        }
        for (NodeProtocol p : ServiceLoader.load(NodeProtocol.class)) protocols.put(p.name(), p);
        this.context = new LocalNodeContext(nodeId, domain, products, source);
        this.runs = new RunAuthorizations(domain, products, io.meshfl.core.trust.Journal.inMemory());
        this.audit = new NodeAudit(io.meshfl.core.trust.Journal.inMemory(), domain);
    }

    /**
     * The mesh CA this node checks job tickets and seals against (with its revocation list), given
     * by its TLS material; without it the node runs unauthenticated (a plaintext trial mesh) and says
     * so in every authorization it logs.
     */
    public DomainNode trust(java.security.cert.X509Certificate ca, io.meshfl.core.trust.Revocations revocations) {
        runs.verifier(io.meshfl.core.trust.TicketVerifier.of(ca, revocations));
        sealCheck = new SealCheck(ca);
        peerKeys = new PeerKeys(ca, revocations, peerKeys.signer());
        return this;
    }

    /**
     * As {@link #trust(java.security.cert.X509Certificate, io.meshfl.core.trust.Revocations)}, and this
     * node's own certificate and key, with which it signs its per-job sealing keys for its peers.
     */
    public DomainNode trust(java.security.cert.X509Certificate ca, io.meshfl.core.trust.Revocations revocations,
                            io.meshfl.core.trust.Signer self) {
        if (self != null && !self.identity().isDomain(domain)) {
            throw new IllegalArgumentException("node of " + domain + " cannot sign as " + self.identity().label());
        }
        trust(ca, revocations);
        peerKeys = new PeerKeys(ca, revocations, self);
        return this;
    }

    public String nodeId() {
        return nodeId;
    }

    /**
     * Replaces the node side of protocol {@code name} with {@code wrap} of it, before the node
     * starts serving: the seam for middleware around a protocol, and for tests that make a node
     * misbehave the way a compromised domain would.
     */
    public DomainNode wrapProtocol(String name, java.util.function.UnaryOperator<NodeProtocol> wrap) {
        if (server != null) throw new IllegalStateException("wrap protocol '" + name + "' before the node starts serving");
        NodeProtocol p = protocols.get(name);
        if (p == null) throw new IllegalArgumentException("node of " + domain + " has no protocol '" + name + "'; it runs " + protocols.keySet());
        protocols.put(name, wrap.apply(p));
        return this;
    }

    /**
     * Runs the protocols {@code engine} takes on it instead of in this JVM (before the node starts serving); the engine is
     * closed with the node (an engine several nodes share closes once). Null keeps every protocol here.
     */
    public DomainNode engine(io.meshfl.node.engine.NodeEngine engine) {
        if (engine == null) return this;
        engine.protocols().forEach(this::wrapProtocol);
        context.engineRows(engine.rows());
        this.engine = engine;
        log.accept("engine " + engine.name() + ": " + engine.describe());
        return this;
    }

    private io.meshfl.node.engine.NodeEngine engine;

    /**
     * Keeps this node's state under {@code dir} so it survives a restart: model parts, its privacy
     * ledger, its run registry and its audit (journals that only the owner may read). The folder
     * is created owner-only and refused when others may read it.
     */
    public DomainNode stateDir(java.nio.file.Path dir) {
        java.nio.file.Path d = io.meshfl.core.trust.PrivateFiles.directory(dir, "node state folder");
        context.stateDir(d);
        io.meshfl.core.trust.TicketVerifier v = runs == null ? null : runs.verifierInUse();
        runs = new RunAuthorizations(domain, products, io.meshfl.core.trust.Journal.open(d.resolve("runs.jsonl")));
        if (v != null) runs.verifier(v);
        audit = new NodeAudit(io.meshfl.core.trust.Journal.open(d.resolve("audit.jsonl")), domain);
        return this;
    }

    public String domain() {
        return domain;
    }

    /**
     * The external trainers this node may start beside it, by name ({@code --trainer NAME=COMMAND}):
     * a job whose model is external and names one of them trains through it, in a fresh owner-only
     * folder under the node's state folder.
     */
    public DomainNode trainers(Map<String, List<String>> commands) {
        context.trainers(commands.isEmpty() ? null
                : new io.meshfl.node.trainer.Trainers(nodeId, domain, commands, context::stateDirectory, log));
        return this;
    }

    public String address() {
        return address;
    }

    /** Starts serving on the given builder (Netty on a port, or in-process), advertising {@code advertised}. */
    public DomainNode start(ServerBuilder<?> builder, String advertised) throws IOException {
        server = builder.addService(new Service()).build().start();
        address = advertised != null ? advertised : "127.0.0.1:" + server.getPort();
        return this;
    }

    /**
     * One protocol step, with the replay check and the run's authorization; used by the gRPC
     * service and directly by tests. Every request, served or refused, goes to the node's audit.
     */
    public Message handle(Message req) {
        Message reply;
        try {
            reply = serve(req);
        } catch (MeshflException e) {
            audit.served(req, null, e.code().name(), peer());
            throw e;
        }
        audit.served(req, reply, reply.failed() ? reply.error().code().name() : "ok", peer());
        return reply;
    }

    /** Who called: the coordinator's certificate identity over TLS, else what the message says. */
    private static String peer() {
        io.meshfl.core.trust.MeshIdentity id = io.meshfl.wire.tls.MeshTls.PEER.get();
        return id == null ? null : id.label();
    }

    private Message serve(Message req) {
        if (!req.runId().isEmpty() && req.sequence() > 0) {
            String key = req.runId() + "/" + req.sender();
            String why = guards.computeIfAbsent(key, k -> new ReplayGuard()).check(req.sequence());
            if (why != null) {
                return req.failure(nodeId, ErrorCode.OUT_OF_ORDER, "message " + req.sequence() + " of run " + req.runId()
                        + " is a replay: it " + why);
            }
        }
        if (req.protocol().equals(SessionSteps.PROTOCOL)) return session(req);
        String family = PolicyGuard.family(req.protocol());
        if (family != null && req.blobs().containsKey(SessionSteps.TICKET)) {
            // the run's first request here carries the signed ticket that opens it: checked before anything is served
            try {
                RunAuthorizations.Active a = runs.open(req);
                if (a != null) authorized(a);
            } catch (MeshflException e) {
                refused(req, e.getMessage());
                return req.failure(nodeId, e.code(), e.getMessage());
            }
            Map<String, byte[]> rest = new java.util.HashMap<>(req.blobs());
            rest.remove(SessionSteps.TICKET);
            req = req.withBlobs(rest);
        }
        if (family != null) {
            String unauthorized = runs.violation(req, family);
            if (unauthorized == null) unauthorized = signedSettings.violation(req, runs.active(req.runId()));
            if (unauthorized != null) {
                refused(req, unauthorized);
                return req.failure(nodeId, ErrorCode.POLICY_VIOLATION, unauthorized);
            }
        }
        String violation = guard.violation(req, products);
        if (violation != null) {
            refused(req, violation);
            return req.failure(nodeId, ErrorCode.POLICY_VIOLATION, violation);
        }
        if (req.protocol().equals("horizontal") && req.step().equals("finish")) guard.endJob(req.jobId());
        NodeProtocol p = protocols.get(req.protocol());
        if (p == null) {
            return req.failure(nodeId, ErrorCode.POLICY_VIOLATION, "node of " + domain + " does not run protocol '"
                    + req.protocol() + "'; it runs " + protocols.keySet());
        }
        try {
            PeerKeys keys = peerKeys;
            Message reply = p.handle(keys.check(req), context);
            // a protocol that answers with a refusal (a trainer's answer it would not use, ...) is noted as one
            if (reply.failed() && reply.error().code() == ErrorCode.POLICY_VIOLATION) refused(req, reply.error().message());
            return keys.sign(req, reply);
        } catch (MeshflException e) {
            if (e.code() == ErrorCode.POLICY_VIOLATION) refused(req, e.getMessage());
            // Its message crosses (the transport answers with it); its local detail goes to the log only.
            throw WireErrors.wireSafe(req, domain, e, log);
        } catch (RuntimeException e) {
            // Any other exception's text may quote a cell or a path: the reply names only an incident.
            return WireErrors.reply(req, nodeId, domain, e, log);
        }
    }

    /** The session steps: a run's authorization by its signed ticket, and its end with the seal of the catalog's chains. */
    private Message session(Message req) {
        try {
            switch (req.step()) {
                case SessionSteps.AUTHORIZE -> {
                    authorized(runs.authorize(req));
                    return req.reply(nodeId, Map.of(), Map.of());
                }
                case SessionSteps.END -> {
                    return end(req);
                }
                case SessionSteps.ATTEST -> {
                    return ServedVersions.attest(req, nodeId, domain, products, peerKeys.signer());
                }
                case SessionSteps.RESUME -> {
                    RunAuthorizations.Active a = runs.resume(req);
                    log.accept("run " + a.runId() + " resumes after round " + req.cfg("from_round", "?") + " under a restarted coordinator");
                    return req.reply(nodeId, Map.of(), Map.of());
                }
                default -> {
                    return req.failure(nodeId, ErrorCode.PROTOCOL_FAILURE, "unknown session step '" + req.step() + "'");
                }
            }
        } catch (MeshflException e) {
            if (e.code() == ErrorCode.POLICY_VIOLATION) refused(req, e.getMessage());
            return req.failure(nodeId, e.code(), e.getMessage());
        }
    }

    /**
     * The end of a run: the seal is kept in the node's run registry, and checked (its signature off
     * the run's path, on the node's own thread: a seal that does not verify is logged and noted in
     * the registry); the run's working state is dropped, and a run that did not succeed leaves nothing behind here.
     */
    private Message end(Message req) {
        String outcome = req.cfg("outcome", "FAILED");
        com.fasterxml.jackson.databind.node.ObjectNode seal = SealCheck.read(req.blobs().get("seal"));
        RunAuthorizations.Active a = runs.end(req.runId(), outcome, seal);
        signedSettings.end(req.runId());
        if (seal != null && a != null) {
            SealCheck check = sealCheck;
            String runId = req.runId();
            SEAL_CHECKS.execute(() -> {
                String problem = check.problem(seal, runId);
                if (problem != null) {
                    log.accept("seal of run " + runId + " does not verify: " + problem);
                    runs.note(runId, "seal-problem", problem);
                }
            });
        }
        if (a == null) return req.failure(nodeId, ErrorCode.POLICY_VIOLATION, "run " + req.runId() + " is not active on this node");
        // the run's working state goes either way (what it holds outside the heap, an engine's cached rows, with it); a run that
        // did not succeed leaves no model part either
        context.endJob(req.jobId());
        if (!RUN_SUCCEEDED.equals(outcome)) {
            guard.endJob(req.jobId());
            context.dropModelPart(req.runId());
            log.accept("run " + req.runId() + " ended " + outcome + ": its state and model parts on this node are discarded");
        }
        guards.keySet().removeIf(k -> k.startsWith(req.runId() + "/"));
        // checkpoints exist to resume the run; it has ended
        context.dropRunFolder(req.runId());
        return req.reply(nodeId, Map.of(), Map.of());
    }

    private static final String RUN_SUCCEEDED = "SUCCEEDED";

    private void authorized(RunAuthorizations.Active a) {
        log.accept("run " + a.runId() + " authorized: " + a.purpose() + " with " + a.strategy() + " for " + a.submitter()
                + (a.authenticated() ? "" : " (unauthenticated: no mesh CA)") + " over " + a.products());
    }

    /**
     * Notes a refused request: on the node's log, in its recent violations, and appended to
     * {@code violations.log} in its state folder when it has one.
     */
    private void refused(Message req, String why) {
        String line = java.time.Instant.now() + " job " + req.jobId() + " run " + req.runId() + " " + req.protocol() + "/" + req.step()
                + " from " + req.sender() + ": " + why;
        log.accept("policy violation refused: " + line);
        violations.addLast(line);
        while (violations.size() > 1000) violations.pollFirst();
        java.nio.file.Path dir = context.stateDirectory();
        if (dir != null) {
            try {
                java.nio.file.Files.createDirectories(dir);
                java.nio.file.Files.writeString(dir.resolve("violations.log"), line + System.lineSeparator(),
                        java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
            } catch (java.io.IOException e) {
                log.accept("cannot append to " + dir.resolve("violations.log") + ": " + e.getMessage());
            }
        }
    }

    /** The requests this node refused on policy grounds, oldest first (the last 1,000). */
    public List<String> violations() {
        return List.copyOf(violations);
    }

    public NodeInfo info() {
        NodeInfo.Builder b = NodeInfo.newBuilder().setNodeId(nodeId).setDomain(domain).setAddress(address == null ? "" : address)
                .setVersion(Version.get()).setEphemeral(ephemeral);
        for (DataContract c : products.values()) {
            b.addProducts(ProductInfo.newBuilder().setId(c.id()).setVersion(c.version()).setContractYaml(c.rawYaml()).setRows(rows(c)));
        }
        return b.build();
    }

    /** Row counts go to the catalog for the planner's cost estimates; a product the engine cannot count registers -1 (unknown). */
    private final Map<String, Long> rowCounts = new java.util.concurrent.ConcurrentHashMap<>();

    private long rows(DataContract c) {
        return rowCounts.computeIfAbsent(c.id(), k -> {
            try {
                if (c.server().type() == io.meshfl.core.contract.Server.Type.KAFKA) return -1L; // a stream has no row count
                if (c.server().type() == io.meshfl.core.contract.Server.Type.JDBC) return io.meshfl.core.data.ProductReader.count(c);
                // a product kept in several files says how many rows each holds, in the node's own log
                List<Long> perFile = io.meshfl.core.data.ProductReader.rowsPerFile(c);
                long total = perFile.stream().mapToLong(Long::longValue).sum();
                if (perFile.size() > 1) log.accept("product " + c.id() + ": " + total + " rows in " + perFile.size() + " files " + perFile);
                return total;
            } catch (RuntimeException e) {
                return -1L;
            }
        });
    }

    /**
     * Registers with the coordinator (retrying with back-off for up to a minute while it is not
     * reachable) and keeps heartbeating, registering again if forgotten or after losing it.
     */
    public void joinCoordinator(ManagedChannel coordinator) {
        joinCoordinators(List.of(coordinator), List.of("the coordinator"), Duration.ofMinutes(1));
    }

    /**
     * Registers with the first of {@code coordinators} that answers, trying them in turn with
     * back-off and jitter until {@code patience} has passed (null: until stopped); then heartbeats,
     * moving to the next one when the current one stops answering.
     */
    public void joinCoordinators(List<ManagedChannel> coordinators, List<String> names, Duration patience) {
        joinCoordinators(coordinators, names, patience, target -> null);
    }

    /**
     * As {@link #joinCoordinators(List, List, Duration)}; {@code mismatch} tells from a coordinator
     * that could not be reached whether it speaks another transport (a message that ends the
     * attempts), or may just be down (null).
     */
    public void joinCoordinators(List<ManagedChannel> coordinators, List<String> names, Duration patience,
                                 java.util.function.Function<String, String> mismatch) {
        // counted before any deadline starts: a big product must not make the registration time out
        NodeInfo registration = info();
        CoordinatorLink l = new CoordinatorLink(coordinators, names, registration, log).diagnose(mismatch);
        int every = l.join(patience);
        l.beat(HEARTBEATS, every, nodeId, domain);
        link = l;
    }

    /**
     * Null when the node can do its work (serving, registered with a coordinator, every product's
     * data readable), else why not, naming the product but no path: for readiness probes.
     */
    public String notReady() {
        if (server == null || server.isShutdown()) return "the node does not serve yet";
        if (link == null || !link.registered()) return "not registered with a coordinator";
        for (DataContract c : products.values()) {
            String why = io.meshfl.core.data.ProductReader.unreadable(c);
            if (why != null) return "product " + c.id() + ": " + why;
        }
        return null;
    }

    /** Marks this node as one of an embedded mesh: the coordinator removes its record when the mesh closes. */
    public DomainNode ephemeral() {
        this.ephemeral = true;
        return this;
    }

    @Override
    public void close() {
        if (link != null) link.stop();
        context.stopTrainers();
        if (engine != null) engine.close();
        if (server != null) {
            server.shutdownNow();
            try {
                server.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    public void awaitTermination() throws InterruptedException {
        server.awaitTermination();
    }

    private final class Service extends NodeServiceGrpc.NodeServiceImplBase {
        @Override
        public StreamObserver<Chunk> call(StreamObserver<Chunk> out) {
            return new NodeCallHandler(out, nodeId, DomainNode.this::handle, log);
        }

        @Override
        public void describe(DescribeRequest request, StreamObserver<NodeInfo> out) {
            out.onNext(info());
            out.onCompleted();
        }
    }
}
