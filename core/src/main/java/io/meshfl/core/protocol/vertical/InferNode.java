package io.meshfl.core.protocol.vertical;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.crypto.seal.SealedBox;
import io.meshfl.core.data.Dataset;
import io.meshfl.core.model.ModelSpec;
import io.meshfl.core.monitoring.DriftRecords;
import io.meshfl.core.protocol.Message;
import io.meshfl.core.protocol.NodeContext;
import io.meshfl.core.protocol.NodeProtocol;
import io.meshfl.core.protocol.Predictions;
import io.meshfl.core.protocol.psi.PsiSteps;
import io.meshfl.core.protocol.scoring.Missing;
import io.meshfl.core.protocol.scoring.OuterAlignment;
import io.meshfl.core.protocol.scoring.ScoringRequest;

import java.util.List;
import java.util.Map;

/**
 * The node side of vertical inference: each party scores the aligned rows with its own part of
 * the model; only partial scores move, sealed for the requesting domain, which adds them up,
 * applies the link and keeps the predictions next to its own entity keys.
 */
public final class InferNode implements NodeProtocol {

    public static final String PROTOCOL = "vertical-infer";
    public static final String PREPARE = "prepare";
    public static final String SEND = "send";
    public static final String COLLECT = "collect";
    /** The first member of a group: a fresh seed for the members' masks, sealed for each other member. */
    public static final String GROUP_SEED = "group-seed";
    /** Every other member of a group: takes the first member's seed. */
    public static final String GROUP_JOIN = "group-join";
    private static final String STATE = "infer.state";

    /** What a party keeps between the inference steps. */
    private static final class State {
        SealedBox seal = SealedBox.generate();
        double[] partial;
        /** Scores per row of the model: its class count when multinomial, otherwise 1. */
        int outputs = 1;
        ModelPart part;
        String product;
        int[] aligned;
        /** Scoring over a join, on the base product's domain: each other party's row of every scored row. */
        Map<String, int[]> index;
        Map<String, Object> job;
        /** A member of a party made of several products: the masks of its partial scores. */
        PartyGroup group;
        /** Scoring every row, on the requester: where each of its rows is among each other party's aligned rows. */
        OuterAlignment.Index outer;
        ScoringRequest request = ScoringRequest.SHARED;
        /** The model's parts key: the baseline of its scores is kept under it. */
        String modelId;
    }

    @Override
    public String name() {
        return PROTOCOL;
    }

    @Override
    public Message handle(Message req, NodeContext ctx) {
        return switch (req.step()) {
            case PREPARE -> prepare(req, ctx);
            case GROUP_SEED -> {
                State s = state(req, ctx);
                s.group.seed = io.meshfl.core.protocol.group.SeedStreams.newSeed();
                Map<String, byte[]> out = new java.util.LinkedHashMap<>();
                for (String m : s.group.members) {
                    if (!m.equals(ctx.domain())) out.put("seed-to:" + m, s.seal.seal(req.blob("peer:" + m), req.jobId() + "/infer-seed/" + m, s.group.seed));
                }
                yield req.reply(ctx.nodeId(), Map.of(), Map.of(), out);
            }
            case GROUP_JOIN -> {
                State s = state(req, ctx);
                String first = s.group.members.get(0);
                s.group.seed = s.seal.open(req.blob("peer:" + first), req.jobId() + "/infer-seed/" + ctx.domain(), req.blob("seed:" + first));
                yield req.reply(ctx.nodeId(), Map.of(), Map.of());
            }
            case SEND -> {
                State s = state(req, ctx);
                String to = req.cfg("requester");
                // a group member's scores are masked so that only the members' sum means anything to the requester
                byte[] plain = s.group == null ? CipherCodec.packDoubles(s.partial) : s.group.maskScores(req.jobId() + "/infer", s.partial);
                byte[] sealed = s.seal.seal(req.blob("peer:" + to), req.jobId() + "/infer", plain);
                ctx.endJob(req.jobId());
                yield req.reply(ctx.nodeId(), Map.of(), Map.of(), Map.of("to:" + to, sealed));
            }
            case COLLECT -> collect(req, ctx);
            default -> req.failure(ctx.nodeId(), ErrorCode.PROTOCOL_FAILURE, "unknown inference step '" + req.step() + "'");
        };
    }

    private Message prepare(Message req, NodeContext ctx) {
        Map<String, Object> job = ctx.jobState(req.jobId());
        State s = new State();
        s.product = req.cfg("product");
        s.job = job;
        s.request = ScoringRequest.of(req);
        boolean imputeRow = false;
        if (req.cfg(OuterAlignment.HOSTS, null) != null) {
            s.outer = OuterAlignment.read(req.cfg(OuterAlignment.HOSTS), job, s.product);
            s.aligned = s.outer.allRows();
        } else if (req.cfg(OuterAlignment.SLOT, null) != null) {
            s.aligned = OuterAlignment.hostRows(req.cfg(OuterAlignment.SLOT), job, s.product);
            // one more row at the end: this part at its training means, for the requester's rows this domain does not know
            imputeRow = s.request.missing() == Missing.IMPUTE_MEAN;
        } else if (req.cfg("joins", null) != null) {
            s.index = new java.util.LinkedHashMap<>();
            s.aligned = JoinIndex.rows(req, job, s.product, s.index);
        } else {
            String slot = req.cfg("slot", "");
            s.aligned = (int[]) job.get(PsiSteps.slotted(PsiSteps.ALIGNED_ROWS, slot));
            if (s.aligned == null || !s.product.equals(job.get(PsiSteps.slotted(PsiSteps.ALIGNED_PRODUCT, slot)))) {
                throw new MeshflException(ErrorCode.OUT_OF_ORDER, "inference on " + s.product + " arrived before entity alignment");
            }
        }
        String modelId = req.cfg("model_id");
        boolean hasPart = Boolean.parseBoolean(req.cfg("has_part", "true"));
        String group = req.cfg("group", null);
        if (group != null) s.group = PartyGroup.forScoring(group, VerticalNode.split(req.cfg("group_members")), ctx.domain());
        s.modelId = modelId;
        Map<String, Double> metrics = new java.util.LinkedHashMap<>();
        if (hasPart) {
            s.part = ModelPart.parse(ctx.modelPart(modelId), modelId);
            Dataset all = ctx.load(s.product, s.part.features(), null);
            // a group member holds the common order sparsely: its partial scores are zero where another member holds the entity
            Dataset d = group == null ? all.select(s.aligned) : all.selectSparse(s.aligned);
            // drift over the rows this party scores, its own entities only (not the row at its means nor another member's)
            metrics.putAll(DriftRecords.features(ctx, modelId, group == null ? d
                    : all.select(java.util.Arrays.stream(s.aligned).filter(i -> i >= 0).toArray())));
            if (imputeRow) d = d.withRow(s.part.mean());
            s.partial = s.part.partial(d.x(), d.rows());
            s.outputs = s.part.outputs();
            if (group != null) {
                for (int i = 0; i < s.aligned.length; i++) {
                    if (s.aligned[i] < 0) java.util.Arrays.fill(s.partial, i * s.outputs, (i + 1) * s.outputs, 0.0);
                }
            }
        } else {
            s.outputs = Integer.parseInt(req.cfg("outputs", "1"));
            s.partial = new double[s.aligned.length * s.outputs];
        }
        job.put(STATE, s);
        metrics.put("rows", (double) s.aligned.length);
        return req.reply(ctx.nodeId(), metrics, Map.of(), Map.of("seal_pk", s.seal.publicKey()));
    }

    private Message collect(Message req, NodeContext ctx) {
        State s = state(req, ctx);
        List<String> parties = VerticalNode.split(req.cfg("parties"));
        VerticalNode.onlyFrom(req, parties, ctx.domain());
        double[] u = s.partial.clone();
        // a group's members' masked vectors add up to the group's scores
        Map<String, List<String>> groups = io.meshfl.core.protocol.group.GroupRoster.parse(req.cfg("groups", "")).groups();
        java.util.Set<String> members = new java.util.HashSet<>();
        groups.values().forEach(members::addAll);
        for (double[] gu : PartyGroup.partyScores(groups, m -> s.seal.open(req.blob("peer:" + m), req.jobId() + "/infer", req.blob("from:" + m)),
                u.length).values()) {
            for (int i = 0; i < u.length; i++) u[i] += gu[i];
        }
        boolean[] missing = new boolean[u.length / s.outputs];
        for (String p : parties) {
            if (p.equals(ctx.domain()) || members.contains(p)) continue;
            byte[] open = s.seal.open(req.blob("peer:" + p), req.jobId() + "/infer", req.blob("from:" + p));
            double[] pu = CipherCodec.unpackDoubles(open, "partial scores of " + p);
            if (s.outer != null) {
                addOuter(s, p, pu, u, missing);
                continue;
            }
            int[] idx = s.index == null ? null : s.index.get(p);
            int expected = idx == null ? u.length : (Integer) s.job.get("vertical.hostRows:" + p) * s.outputs;
            if (pu.length != expected) {
                throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, p + " scored " + pu.length + " rows, expected " + expected);
            }
            for (int i = 0; i < u.length; i++) u[i] += pu[idx == null ? i : idx[i / s.outputs] * s.outputs + i % s.outputs];
        }
        ModelSpec.Type type = ModelSpec.Type.valueOf(req.cfg("model_type"));
        int k = s.outputs;
        double[] pred = ScoreLink.apply(type, u, k);
        // a row a party did not know, when the request refused such rows, is listed without a score
        for (int i = 0; i < missing.length; i++) if (missing[i]) java.util.Arrays.fill(pred, i * k, (i + 1) * k, Double.NaN);
        var written = Predictions.write(ctx, req.jobId(), s.product, s.aligned, pred, k, req.cfg("label", ""),
                type == ModelSpec.Type.SOFTMAX ? ModelSpec.Task.MULTICLASS : ModelSpec.of(type).task(),
                s.request.tag(s.outer == null ? null : s.outer.coverage(ctx.domain(), parties)));
        Map<String, Double> metrics = new java.util.LinkedHashMap<>(written.metrics());
        metrics.putAll(DriftRecords.score(ctx, s.modelId, pred, k));
        ctx.endJob(req.jobId());
        return req.reply(ctx.nodeId(), metrics, Map.of()).withConfig(written.replyConfig());
    }

    /**
     * Adds party {@code p}'s partial scores to each of the requester's rows it knows; a row it does not
     * know takes the party's score at its means (its last row) when imputing, else is marked missing.
     */
    private static void addOuter(State s, String p, double[] pu, double[] u, boolean[] missing) {
        int k = s.outputs;
        int[] idx = s.outer.rowOf().get(p);
        int known = s.outer.hostRows().get(p);
        boolean impute = s.request.missing() == Missing.IMPUTE_MEAN;
        int expected = (known + (impute ? 1 : 0)) * k;
        if (idx == null || pu.length != expected) {
            throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, p + " scored " + pu.length / k + " rows, expected " + expected / k);
        }
        for (int i = 0; i < missing.length; i++) {
            int r = idx[i] >= 0 ? idx[i] : impute ? known : -1;
            if (r < 0) {
                missing[i] = true;
                continue;
            }
            for (int c = 0; c < k; c++) u[i * k + c] += pu[r * k + c];
        }
    }

    private static State state(Message req, NodeContext ctx) {
        Object s = ctx.jobState(req.jobId()).get(STATE);
        if (s == null) throw new MeshflException(ErrorCode.OUT_OF_ORDER, "inference step '" + req.step() + "' arrived before prepare");
        return (State) s;
    }
}
