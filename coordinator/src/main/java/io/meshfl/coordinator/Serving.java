package io.meshfl.coordinator;

import com.fasterxml.jackson.databind.JsonNode;
import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.catalog.Catalog;
import io.meshfl.core.catalog.JobRecord;
import io.meshfl.core.catalog.RunRecord;
import io.meshfl.core.protocol.Message;
import io.meshfl.core.protocol.NodeChannel;
import io.meshfl.core.protocol.PartyCalls;
import io.meshfl.core.report.RunReport;
import io.meshfl.core.serving.ServeSteps;
import io.meshfl.core.trust.JobTicket;
import io.meshfl.core.trust.SignedTicket;
import io.meshfl.core.trust.TicketVerifier;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The coordinator's side of online serving: a session per requester and model, signed and checked
 * like a prediction and recorded as a run ({@code STRATEGY-serving}); it has every party warm its
 * index once, then relays each call's blinded keys to the parties and their sealed answers back
 * ({@link ServedModels} says which parties, routes and finishing party a model's strategy needs).
 * Only the identity that opened a session may use it. It sees no entity key and no feature; for a
 * split network it runs the top over the parties' cut layers, and so sees those and the predictions,
 * as in batch scoring.
 */
final class Serving {

    /** One open session: its run, its parties' channels and sealing keys, what it serves and who opened it. */
    private record Session(String id, String requester, String modelId, ServedModels model, Map<String, NodeChannel> channels, PartyCalls calls,
                           RunSession run, AtomicLong answered, AtomicLong keys, java.util.concurrent.ConcurrentLinkedQueue<io.meshfl.core.catalog.AuditRecord> audit,
                           Map<String, byte[]> sealKeys, Map<String, Double> drift) {
        List<String> parties() {
            return model.parties();
        }
    }

    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private final JobRunner runner;
    /** The coordinator's log: a session's drift alerts and the domains that keep no drift reference go there. */
    private final java.util.function.Consumer<String> log;
    private final Map<String, Session> sessions = new ConcurrentHashMap<>();

    Serving(JobRunner runner, java.util.function.Consumer<String> log) {
        this.runner = runner;
        this.log = log;
    }

    /** The signed spec of a serving session. */
    static String spec(String modelId, List<String> products) {
        return "serve model=" + modelId + " products=" + String.join(",", products);
    }

    io.meshfl.proto.ServeReply handle(io.meshfl.proto.ServeCall c, String caller) {
        return switch (c.getStep()) {
            case "open" -> open(c, caller);
            case "keys" -> keys(c, caller);
            case "score" -> score(c, caller);
            case "close" -> close(c, caller);
            default -> throw new MeshflException(ErrorCode.JOB_INVALID, "serve: unknown step '" + c.getStep() + "' (open, keys, score, close)");
        };
    }

    private io.meshfl.proto.ServeReply open(io.meshfl.proto.ServeCall c, String caller) {
        String modelId = c.getModelId();
        JsonNode prov = runner.provenance(modelId);
        String strategy = prov.path("strategy").asText();
        Map<String, String> productOf = new LinkedHashMap<>();
        for (String id : c.getProductsList()) {
            var v = runner.productViews().get(id);
            if (v == null) throw new MeshflException(ErrorCode.UNKNOWN_PRODUCT, "unknown data product '" + id + "'");
            productOf.put(v.contract().domain(), id);
        }
        var stored = runner.catalog().model(modelId).orElseThrow(() -> new MeshflException(ErrorCode.CATALOG_NOT_FOUND, "no model '" + modelId
                + "' in the catalog; see 'meshfl catalog models'"));
        ServedModels served = ServedModels.of(modelId, prov, productOf, stored.parameters());
        List<String> parties = served.parties();
        String spec = spec(modelId, c.getProductsList());
        JobRecord job = runner.catalog().createJob("serve-" + modelId, spec);
        JobRunner.PredictPlan pp = runner.planPredict(modelId, parties.stream().map(productOf::get).toList());
        SignedTicket signed = SignedTicket.decode(c.getSignedTicket().toByteArray());
        TicketVerifier.Verified ticket;
        try {
            ticket = Tickets.admit(runner.verifier(), signed, caller, JobTicket.PREDICT, spec, strategy, pp.products(), modelId);
            Tickets.checkGrants(runner.catalog(), runner::contract, pp.products(), ticket.submitter(), JobTicket.PREDICT, strategy);
            io.meshfl.core.catalog.OutputPorts.check(runner.catalog(), modelId, ticket.submitter());
        } catch (RuntimeException e) {
            runner.catalog().updateJobStatus(job.id(), JobRecord.REFUSED);
            throw e;
        }
        RunRecord run = runner.catalog().startRun(job.id(), strategy + "-serving", "{}", "{}", 0, pp.products().stream().map(JobTicket.ProductVersion::id).toList(),
                new Catalog.Ticket(ticket.submitter(), ticket.ticket().nonce(), ticket.fingerprint()));
        var audit = new java.util.concurrent.ConcurrentLinkedQueue<io.meshfl.core.catalog.AuditRecord>();
        Map<String, NodeChannel> channels = new LinkedHashMap<>();
        for (String d : parties) {
            channels.put(d, AuditingChannel.wrap(runner.registry().channel(d).filter(x -> runner.registry().alive(d)).orElseThrow(() ->
                    new MeshflException(ErrorCode.TOO_FEW_NODES, "no live node of domain '" + d + "'")), audit, runner.transport()));
        }
        channels = TicketChannel.wrapAll(channels, signed.encode());
        PartyCalls calls = new PartyCalls(channels, TIMEOUT, "a serving session needs every party of the model");
        Session s = new Session(run.id(), ticket.submitter(), modelId, served, channels, calls, new RunSession(channels, run.id(), run.id()),
                new AtomicLong(), new AtomicLong(), audit, new LinkedHashMap<>(), new LinkedHashMap<>());
        // the parties keep their parts under the key the training run gave them
        List<Message> prepared;
        try {
            prepared = calls.parallel(parties, d -> request(s, ServeSteps.PREPARE, d, served.prepare().get(d)).withTensors(served.tensors()));
        } catch (RuntimeException e) {
            end(s, RunRecord.FAILED, e.toString());
            throw e;
        }
        sessions.put(s.id(), s);
        io.meshfl.proto.ServeReply.Builder b = io.meshfl.proto.ServeReply.newBuilder().setSession(s.id());
        int outputs = served.top() != null ? served.top().head().outputs() : 1;
        for (int i = 0; i < parties.size(); i++) {
            byte[] pk = prepared.get(i).blob("seal_pk");
            s.sealKeys().put(parties.get(i), pk);
            // each party measured its rows' drift against its training profile when it indexed them
            s.drift().putAll(io.meshfl.core.monitoring.DriftRecords.of(prepared.get(i).metrics()));
            b.putBlobs(parties.get(i), com.google.protobuf.ByteString.copyFrom(pk));
            String d = parties.get(i);
            if (served.top() == null && (served.finisher() == null ? i == 0 : d.equals(served.finisher()))) {
                outputs = prepared.get(i).metrics().getOrDefault("outputs", 1.0).intValue();
            }
        }
        var entry = new io.meshfl.core.catalog.ModelRegistry(runner.catalog()).entry(modelId);
        b.putInfo("model_type", prov.path("model").path("type").asText()).putInfo("outputs", Integer.toString(outputs))
                .putInfo("answer", served.kind().name().toLowerCase(java.util.Locale.ROOT))
                .putInfo("strategy", strategy)
                .putInfo("model_name", entry.map(io.meshfl.core.catalog.ModelRegistry.Entry::name).orElse(modelId))
                .putInfo("model_version", entry.map(e -> Integer.toString(e.version())).orElse(""));
        if (served.finisher() != null) b.putInfo("finisher", served.finisher());
        return b.build();
    }

    private io.meshfl.proto.ServeReply keys(io.meshfl.proto.ServeCall c, String caller) {
        Session s = session(c, caller);
        byte[] pk = c.getRequesterPk().toByteArray();
        String finisher = s.model().finisher();
        if (finisher != null && !s.model().lookups().equals(List.of(finisher))) {
            // the parties that seal for the finishing party get its key, and it gets theirs: each checked by its node as signed by that domain
            Map<String, byte[]> others = new LinkedHashMap<>();
            for (String d : s.model().lookups()) others.put("peer:" + d, s.sealKeys().get(d));
            s.calls().parallel(s.parties(), d -> request(s, ServeSteps.PEERS, d, Map.of()).withBlobs(d.equals(finisher) ? others
                    : Map.of("peer:" + finisher, s.sealKeys().get(finisher))));
        }
        s.calls().parallel(s.parties(), d -> {
            var sealed = c.getBlobsMap().get(d);
            if (sealed == null) throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "serve: no session key sealed for " + d);
            // as a peer's key, so that each node takes it only signed by the requester's domain certificate for this session
            return request(s, ServeSteps.KEY, d, Map.of("requester", requesterName(s))).withBlobs(Map.of("peer:" + requesterName(s), pk,
                    "key", sealed.toByteArray()));
        });
        return io.meshfl.proto.ServeReply.newBuilder().setSession(s.id()).build();
    }

    private io.meshfl.proto.ServeReply score(io.meshfl.proto.ServeCall c, String caller) {
        Session s = session(c, caller);
        byte[] keys = c.getBlobsMap().getOrDefault("keys", com.google.protobuf.ByteString.EMPTY).toByteArray();
        if (c.getCall().isEmpty()) throw new MeshflException(ErrorCode.JOB_INVALID, "serve: a score call needs its id (call)");
        int n = keys.length / io.meshfl.core.serving.BlindKeys.BYTES;
        ServedModels m = s.model();
        Map<String, String> cfg = new LinkedHashMap<>(Map.of("call", c.getCall()));
        if (m.finisher() != null) cfg.put("finisher", m.finisher());
        List<Message> answers = s.calls().parallel(m.lookups(), d -> request(s, ServeSteps.LOOKUP, d, cfg).withBlobs(Map.of("keys", keys)));
        io.meshfl.proto.ServeReply.Builder b = io.meshfl.proto.ServeReply.newBuilder().setSession(s.id());
        switch (m.kind()) {
            case SUM -> {
                for (int i = 0; i < m.lookups().size(); i++) b.putBlobs(m.lookups().get(i), bytes(answers.get(i).blob("partial")));
            }
            case FINAL -> b.putBlobs(io.meshfl.core.serving.ServingRequester.FINAL_BLOB, bytes(finish(s, c.getCall(), keys, answers)));
            case TOP -> {
                List<double[]> cuts = new ArrayList<>();
                for (int i = 0; i < m.lookups().size(); i++) {
                    cuts.add(answers.get(i).tensor(ServeSteps.ACT));
                    b.putBlobs(m.lookups().get(i), bytes(answers.get(i).blob("flags")));
                }
                ServedModels.Top top = m.top();
                double[] pred;
                if (top.net() != null) {
                    pred = io.meshfl.core.protocol.split.SplitServing.predict(top.net(), top.params(), top.head(), cuts, top.cut(), n);
                } else {
                    double[] x = io.meshfl.core.protocol.split.SplitServing.sideBySide(cuts, top.cut(), n);
                    double[] z = s.calls().call(top.holder(), request(s, ServeSteps.FINISH, top.holder(), Map.of("call", c.getCall(), "rows",
                            Integer.toString(n))).withTensors(Map.of(ServeSteps.CUTS, x))).tensor(ServeSteps.LOGITS);
                    io.meshfl.core.protocol.split.SplitServing.checkLogits(top.holder(), z, n, top.head().outputs());
                    pred = top.head().predict(z);
                }
                b.putBlobs(io.meshfl.core.serving.ServingRequester.PREDICTIONS_BLOB, bytes(io.meshfl.core.serving.Served.doubles(pred)));
            }
        }
        s.answered().incrementAndGet();
        s.keys().addAndGet(n);
        return b.build();
    }

    /** The finishing party's sealed predictions: its own lookup's (a horizontal model), or its walk over the hosts' sealed bits. */
    private static byte[] finish(Session s, String call, byte[] keys, List<Message> answers) {
        ServedModels m = s.model();
        if (m.lookups().equals(List.of(m.finisher()))) return answers.get(0).blob("final");
        Map<String, byte[]> blobs = new LinkedHashMap<>(Map.of("keys", keys));
        for (int i = 0; i < m.lookups().size(); i++) blobs.put("from:" + m.lookups().get(i), answers.get(i).blob("to:" + m.finisher()));
        return s.calls().call(m.finisher(), request(s, ServeSteps.FINISH, m.finisher(), Map.of("call", call, "parties", String.join(",", m.parties())))
                .withBlobs(blobs)).blob("final");
    }

    private static com.google.protobuf.ByteString bytes(byte[] b) {
        return com.google.protobuf.ByteString.copyFrom(b);
    }

    private io.meshfl.proto.ServeReply close(io.meshfl.proto.ServeCall c, String caller) {
        Session s = session(c, caller);
        sessions.remove(s.id());
        try {
            s.calls().parallel(s.parties(), d -> request(s, ServeSteps.CLOSE, d, Map.of()));
        } finally {
            end(s, RunRecord.SUCCEEDED, null);
        }
        return io.meshfl.proto.ServeReply.newBuilder().setSession(s.id()).build();
    }

    /** Ends a session's run: its counts in the catalog, the parties told, its audit flushed. */
    private void end(Session s, String status, String error) {
        s.calls().close();
        Map<String, Double> m = new LinkedHashMap<>(Map.of("calls", (double) s.answered().get(), "keys_scored", (double) s.keys().get()));
        if (error == null) {
            // the parties' feature drift over the rows they indexed, stored and alerted as a scoring batch's
            java.util.function.Consumer<String> said = line -> log.accept("serving session " + s.id() + ": " + line);
            m.putAll(io.meshfl.core.monitoring.DriftRecords.merge(Map.of(), s.drift(), said));
            m.putAll(DriftAlerts.record(s.modelId(), m, runner.driftAlert(), said));
        }
        if (error == null) runner.catalog().finishRun(s.id(), RunReport.JSON.valueToTree(m).toString(), 0, 0);
        else runner.catalog().failRun(s.id(), error, 0, 0);
        AuditingChannel.flush(runner.catalog(), s.audit());
        s.run().end(status, runner.seal(s.id()), line -> { });
        AuditingChannel.flush(runner.catalog(), s.audit());
    }

    /** The name of the requester's identity (domain:NAME signs its sealing key as domain NAME). */
    private static String requesterName(Session s) {
        return s.requester().substring(s.requester().indexOf(':') + 1);
    }

    private Session session(io.meshfl.proto.ServeCall c, String caller) {
        Session s = sessions.get(c.getSession());
        // another identity's session is not told apart from one that does not exist
        if (s == null || (caller != null && !caller.equals(s.requester()))) {
            throw new MeshflException(ErrorCode.CATALOG_NOT_FOUND, "no open serving session '" + c.getSession() + "' of " + caller);
        }
        return s;
    }

    private static Message request(Session s, String step, String domain, Map<String, String> cfg) {
        return Message.request(s.id(), s.id(), s.model().protocol(), step, 0, domain).withConfig(cfg);
    }
}
