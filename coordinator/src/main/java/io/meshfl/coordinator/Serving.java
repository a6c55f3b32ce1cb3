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
 * like a prediction and recorded as a run; it has every party warm its index once, then relays each
 * call's blinded keys to the parties and their sealed answers back. Only the identity that opened a
 * session may use it; it sees no entity key, feature or score.
 */
final class Serving {

    /** One open session: its run, its parties' channels and who opened it. */
    private record Session(String id, String requester, List<String> parties, Map<String, NodeChannel> channels, PartyCalls calls,
                           RunSession run, AtomicLong answered, AtomicLong keys, java.util.concurrent.ConcurrentLinkedQueue<io.meshfl.core.catalog.AuditRecord> audit) {
    }

    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private final JobRunner runner;
    private final Map<String, Session> sessions = new ConcurrentHashMap<>();

    Serving(JobRunner runner) {
        this.runner = runner;
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
        if (!strategy.equals("vertical") || !prov.path("links").isEmpty()) {
            throw new MeshflException(ErrorCode.PLAN_REFUSED, "model " + modelId + " is a " + strategy + (prov.path("links").isEmpty() ? "" : " join")
                    + " model; online serving is for vertical linear models whose parties are single products (meshfl predict scores the others)");
        }
        Map<String, String> productOf = new LinkedHashMap<>();
        for (String id : c.getProductsList()) {
            var v = runner.productViews().get(id);
            if (v == null) throw new MeshflException(ErrorCode.UNKNOWN_PRODUCT, "unknown data product '" + id + "'");
            productOf.put(v.contract().domain(), id);
        }
        List<String> parties = new ArrayList<>();
        for (JsonNode part : prov.path("parts")) {
            if (part.hasNonNull("group")) throw new MeshflException(ErrorCode.PLAN_REFUSED, "model " + modelId + " has a party made of several products");
            String d = part.path("domain").asText();
            if (!productOf.containsKey(d)) {
                throw new MeshflException(ErrorCode.PLAN_REFUSED, "model " + modelId + " has a part in domain '" + d + "' but no product of it was given");
            }
            parties.add(d);
        }
        String spec = spec(modelId, c.getProductsList());
        JobRecord job = runner.catalog().createJob("serve-" + modelId, spec);
        JobRunner.PredictPlan pp = runner.planPredict(modelId, parties.stream().map(productOf::get).toList());
        SignedTicket signed = SignedTicket.decode(c.getSignedTicket().toByteArray());
        TicketVerifier.Verified ticket;
        try {
            ticket = Tickets.admit(runner.verifier(), signed, caller, JobTicket.PREDICT, spec, strategy, pp.products(), modelId);
            Tickets.checkGrants(runner.catalog(), runner::contract, pp.products(), ticket.submitter(), JobTicket.PREDICT, strategy);
        } catch (RuntimeException e) {
            runner.catalog().updateJobStatus(job.id(), JobRecord.REFUSED);
            throw e;
        }
        RunRecord run = runner.catalog().startRun(job.id(), "vertical-serving", "{}", "{}", 0, pp.products().stream().map(JobTicket.ProductVersion::id).toList(),
                new Catalog.Ticket(ticket.submitter(), ticket.ticket().nonce(), ticket.fingerprint()));
        var audit = new java.util.concurrent.ConcurrentLinkedQueue<io.meshfl.core.catalog.AuditRecord>();
        Map<String, NodeChannel> channels = new LinkedHashMap<>();
        for (String d : parties) {
            channels.put(d, AuditingChannel.wrap(runner.registry().channel(d).filter(x -> runner.registry().alive(d)).orElseThrow(() ->
                    new MeshflException(ErrorCode.TOO_FEW_NODES, "no live node of domain '" + d + "'")), audit, runner.transport()));
        }
        channels = TicketChannel.wrapAll(channels, signed.encode());
        PartyCalls calls = new PartyCalls(channels, TIMEOUT, "a serving session needs every party of the model");
        Session s = new Session(run.id(), ticket.submitter(), parties, channels, calls, new RunSession(channels, run.id(), run.id()),
                new AtomicLong(), new AtomicLong(), audit);
        // the parties keep their parts under the key the training run gave them
        String partsKey = prov.path("parts_key").asText();
        List<Message> prepared;
        try {
            prepared = calls.parallel(parties, d -> request(s, ServeSteps.PREPARE, d, Map.of("model_id", partsKey, "product", productOf.get(d))));
        } catch (RuntimeException e) {
            end(s, RunRecord.FAILED, e.toString());
            throw e;
        }
        sessions.put(s.id(), s);
        io.meshfl.proto.ServeReply.Builder b = io.meshfl.proto.ServeReply.newBuilder().setSession(s.id());
        for (int i = 0; i < parties.size(); i++) {
            b.putBlobs(parties.get(i), com.google.protobuf.ByteString.copyFrom(prepared.get(i).blob("seal_pk")));
        }
        var entry = new io.meshfl.core.catalog.ModelRegistry(runner.catalog()).entry(modelId);
        b.putInfo("model_type", prov.path("model").path("type").asText()).putInfo("outputs",
                Integer.toString(prepared.get(0).metrics().getOrDefault("outputs", 1.0).intValue()))
                .putInfo("model_name", entry.map(io.meshfl.core.catalog.ModelRegistry.Entry::name).orElse(modelId))
                .putInfo("model_version", entry.map(e -> Integer.toString(e.version())).orElse(""));
        return b.build();
    }

    private io.meshfl.proto.ServeReply keys(io.meshfl.proto.ServeCall c, String caller) {
        Session s = session(c, caller);
        byte[] pk = c.getRequesterPk().toByteArray();
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
        List<Message> answers = s.calls().parallel(s.parties(), d -> request(s, ServeSteps.LOOKUP, d, Map.of("call", c.getCall()))
                .withBlobs(Map.of("keys", keys)));
        s.answered().incrementAndGet();
        s.keys().addAndGet(keys.length / io.meshfl.core.serving.BlindKeys.BYTES);
        io.meshfl.proto.ServeReply.Builder b = io.meshfl.proto.ServeReply.newBuilder().setSession(s.id());
        for (int i = 0; i < s.parties().size(); i++) {
            b.putBlobs(s.parties().get(i), com.google.protobuf.ByteString.copyFrom(answers.get(i).blob("partial")));
        }
        return b.build();
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
        Map<String, Double> m = Map.of("calls", (double) s.answered().get(), "keys_scored", (double) s.keys().get());
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
        return Message.request(s.id(), s.id(), ServeSteps.PROTOCOL, step, 0, domain).withConfig(cfg);
    }
}
