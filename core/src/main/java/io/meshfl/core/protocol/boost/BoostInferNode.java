package io.meshfl.core.protocol.boost;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.crypto.seal.SealedBox;
import io.meshfl.core.data.Dataset;
import io.meshfl.core.monitoring.DriftRecords;
import io.meshfl.core.model.ModelSpec;
import io.meshfl.core.model.tree.Objective;
import io.meshfl.core.model.tree.Tree;
import io.meshfl.core.protocol.Message;
import io.meshfl.core.protocol.NodeContext;
import io.meshfl.core.protocol.NodeProtocol;
import io.meshfl.core.protocol.Predictions;
import io.meshfl.core.protocol.Wire;
import io.meshfl.core.protocol.psi.PsiSteps;
import io.meshfl.core.protocol.scoring.Missing;
import io.meshfl.core.protocol.scoring.OuterAlignment;
import io.meshfl.core.protocol.scoring.ScoringRequest;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The node side of SecureBoost inference. Each host evaluates its own split records on the
 * aligned scoring rows and seals the left/right bits for the guest; the guest walks its trees
 * with its own thresholds and those bits and keeps the predictions. No feature value moves.
 */
public final class BoostInferNode implements NodeProtocol {

    private static final String STATE = "boost.infer";

    /** What a party keeps between the inference steps. */
    private static final class State {
        final SealedBox seal = SealedBox.generate();
        String product;
        int[] aligned;
        byte[] part;
        Dataset rows;
        /** A member of a party made of several products: its seat and which aligned rows it holds. */
        io.meshfl.core.protocol.group.GroupMember group;
        boolean[] present;
        /** Scoring every row, on the guest: where each of its rows is among each host's aligned rows. */
        OuterAlignment.Index outer;
        ScoringRequest request = ScoringRequest.SHARED;
        /** The model's parts key: the baseline of its scores is kept under it. */
        String modelId;
    }

    @Override
    public String name() {
        return BoostSteps.INFER_PROTOCOL;
    }

    @Override
    public Message handle(Message req, NodeContext ctx) {
        return switch (req.step()) {
            case BoostSteps.INFER_PREPARE -> prepare(req, ctx);
            case BoostSteps.INFER_GROUP_SEED -> {
                State s = state(req, ctx);
                yield req.reply(ctx.nodeId(), Map.of(), Map.of(), member(s).offerSeed(s.seal, req, "boost-infer-seed"));
            }
            case BoostSteps.INFER_GROUP_JOIN -> {
                State s = state(req, ctx);
                member(s).acceptSeed(s.seal, req, ctx.domain(), "boost-infer-seed");
                yield req.reply(ctx.nodeId(), Map.of(), Map.of());
            }
            case BoostSteps.INFER_BITS -> bits(req, ctx);
            case BoostSteps.INFER_COLLECT -> collect(req, ctx);
            default -> req.failure(ctx.nodeId(), ErrorCode.PROTOCOL_FAILURE, "unknown secureboost inference step '" + req.step() + "'");
        };
    }

    private Message prepare(Message req, NodeContext ctx) {
        Map<String, Object> job = ctx.jobState(req.jobId());
        State s = new State();
        s.product = req.cfg("product");
        s.request = ScoringRequest.of(req);
        if (req.cfg(OuterAlignment.HOSTS, null) != null) {
            s.outer = OuterAlignment.read(req.cfg(OuterAlignment.HOSTS), job, s.product);
            s.aligned = s.outer.allRows();
        } else if (req.cfg(OuterAlignment.SLOT, null) != null) {
            s.aligned = OuterAlignment.hostRows(req.cfg(OuterAlignment.SLOT), job, s.product);
        } else {
            s.aligned = (int[]) job.get(PsiSteps.ALIGNED_ROWS);
        }
        if (s.aligned == null || (s.outer == null && req.cfg(OuterAlignment.SLOT, null) == null && !s.product.equals(job.get(PsiSteps.ALIGNED_PRODUCT)))) {
            throw new MeshflException(ErrorCode.OUT_OF_ORDER, "inference on " + s.product + " arrived before entity alignment");
        }
        String modelId = req.cfg("model_id");
        s.part = ctx.modelPart(modelId);
        if (s.part == null) throw new MeshflException(ErrorCode.CATALOG_NOT_FOUND, ctx.domain() + " holds no part of model " + modelId);
        List<String> features = ModelParts.role(s.part, modelId).equals("guest")
                ? ModelParts.read(s.part, ModelParts.GuestPart.class, modelId).features()
                : ModelParts.read(s.part, ModelParts.HostPart.class, modelId).features();
        String group = req.cfg("group", null);
        Dataset all = ctx.load(s.product, features, null);
        if (group != null) {
            // a member holds the common order sparsely: it answers for its own entities only
            s.group = new io.meshfl.core.protocol.group.GroupMember(group, java.util.Arrays.asList(req.cfg("group_members").split(",")), ctx.domain());
            s.present = io.meshfl.core.protocol.group.GroupMember.present(s.aligned);
        }
        s.rows = group == null ? all.select(s.aligned) : all.selectSparse(s.aligned);
        // drift over the rows this party scores, its own entities only (not the row at its means)
        Map<String, Double> metrics = new java.util.LinkedHashMap<>(DriftRecords.features(ctx, modelId, group == null ? s.rows
                : all.select(java.util.Arrays.stream(s.aligned).filter(i -> i >= 0).toArray())));
        s.modelId = modelId;
        if (req.cfg(OuterAlignment.SLOT, null) != null && s.request.missing() == Missing.IMPUTE_MEAN) {
            // one more row at the end: the means of this domain's scoring rows, for the guest's rows it does not know
            s.rows = s.rows.withRow(all.columnMeans());
        }
        job.put(STATE, s);
        metrics.put("rows", (double) s.aligned.length);
        return req.reply(ctx.nodeId(), metrics, Map.of(), Map.of("seal_pk", s.seal.publicKey()));
    }

    /** Host: for every own record, which aligned rows go left; sealed for the guest. */
    private Message bits(Message req, NodeContext ctx) {
        State s = state(req, ctx);
        String guest = req.cfg("guest");
        ModelParts.HostPart part = ModelParts.read(s.part, ModelParts.HostPart.class, req.cfg("model_id"));
        Wire.Out out = new Wire.Out().putInt(part.records().size());
        int cols = s.rows.cols();
        int record = 0;
        for (ModelParts.SplitRecord r : part.records()) {
            int f = part.features().indexOf(r.feature());
            boolean[] left = new boolean[s.rows.rows()];
            for (int i = 0; i < left.length; i++) left[i] = (s.present == null || s.present[i]) && s.rows.x()[i * cols + f] <= r.threshold();
            if (s.group != null) {
                // XOR-masked: only the members' bits together say where an entity goes
                boolean[] share = s.group.xorShares(req.jobId() + "/boost-infer/" + record, left.length);
                for (int i = 0; i < left.length; i++) left[i] ^= share[i];
            }
            out.putBits(left);
            record++;
        }
        byte[] sealed = s.seal.seal(req.blob("peer:" + guest), req.jobId() + "/boost-infer/" + ctx.domain(), out.bytes());
        ctx.endJob(req.jobId());
        return req.reply(ctx.nodeId(), Map.of(), Map.of(), Map.of("to:" + guest, sealed));
    }

    /** Guest: walk every tree with own thresholds and the hosts' bits, write the predictions. */
    private Message collect(Message req, NodeContext ctx) {
        State s = state(req, ctx);
        String modelId = req.cfg("model_id");
        ModelParts.GuestPart part = ModelParts.read(s.part, ModelParts.GuestPart.class, modelId);
        int n = s.rows.rows(), cols = s.rows.cols();
        Map<Integer, boolean[][]> hostBits = new HashMap<>();
        // scoring every row: each host's row of each guest row (its means' row, or -1 when such rows are refused)
        Map<Integer, int[]> hostRow = new HashMap<>();
        boolean[] missing = new boolean[n];
        var roster = io.meshfl.core.protocol.group.GroupRoster.parse(req.cfg("groups", ""));
        for (int p = 1; p < part.parties().size(); p++) {
            String party = part.parties().get(p);
            boolean[][] bits = null;
            // a group's members' XOR-masked bits together are the party's
            for (String h : roster.domains(party)) {
                byte[] open = s.seal.open(req.blob("peer:" + h), req.jobId() + "/boost-infer/" + h, req.blob("from:" + h));
                Wire.In in = new Wire.In(open, "split bits of " + h);
                int k = in.getInt();
                if (bits != null && bits.length != k) throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "the members of " + party + " sent bits of different records");
                if (bits == null) bits = new boolean[k][];
                int expect = n;
                if (s.outer != null) {
                    int[] idx = s.outer.rowOf().get(h);
                    int known = s.outer.hostRows().get(h);
                    boolean impute = s.request.missing() == Missing.IMPUTE_MEAN;
                    if (idx == null) throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "the guest was not aligned with " + h);
                    expect = known + (impute ? 1 : 0);
                    int[] map = new int[n];
                    for (int i = 0; i < n; i++) {
                        map[i] = idx[i] >= 0 ? idx[i] : impute ? known : 0;
                        missing[i] |= idx[i] < 0 && !impute;
                    }
                    hostRow.put(p, map);
                }
                for (int r = 0; r < k; r++) {
                    boolean[] b = in.getBits();
                    if (b.length != expect) {
                        throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, h + " evaluated " + b.length + " rows, the guest has " + n);
                    }
                    if (bits[r] == null) bits[r] = b;
                    else for (int i = 0; i < n; i++) bits[r][i] ^= b[i];
                }
            }
            hostBits.put(p, bits);
        }
        Objective objective = part.learned();
        int k = objective.classes();
        double[] base = part.baseScores();
        double[] score = new double[n * k];
        double[] x = s.rows.x();
        for (int i = 0; i < n; i++) System.arraycopy(base, 0, score, i * k, k);
        for (int ti = 0; ti < part.trees().size(); ti++) {
            Tree t = part.trees().get(ti).tree();
            int cls = ti % k;
            Tree.Router router = (node, row) -> {
                int p = t.party()[node];
                if (p == 0) return x[row * cols + t.ref()[node]] <= t.threshold()[node];
                boolean[][] b = hostBits.get(p);
                if (b == null || t.ref()[node] >= b.length) {
                    throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "no split bits for record " + t.ref()[node] + " of " + part.parties().get(p));
                }
                int[] map = hostRow.get(p);
                return b[t.ref()[node]][map == null ? row : map[row]];
            };
            for (int i = 0; i < n; i++) score[i * k + cls] += t.value(i, router);
        }
        double[] pred = objective.predict(score);
        // a row a host did not know, when the request refused such rows, is listed without a score
        for (int i = 0; i < n; i++) if (missing[i]) java.util.Arrays.fill(pred, i * k, (i + 1) * k, Double.NaN);
        var written = Predictions.write(ctx, req.jobId(), s.product, s.aligned, pred, k, req.cfg("label", ""), objective.task(),
                s.request.tag(s.outer == null ? null : s.outer.coverage(ctx.domain(), part.parties())));
        Map<String, Double> metrics = new java.util.LinkedHashMap<>(written.metrics());
        metrics.putAll(DriftRecords.score(ctx, s.modelId, pred, k));
        ctx.endJob(req.jobId());
        return req.reply(ctx.nodeId(), metrics, Map.of()).withConfig(written.replyConfig());
    }

    private static io.meshfl.core.protocol.group.GroupMember member(State s) {
        if (s.group == null) throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "this node is no member of a group in this scoring");
        return s.group;
    }

    private static State state(Message req, NodeContext ctx) {
        Object s = ctx.jobState(req.jobId()).get(STATE);
        if (s == null) throw new MeshflException(ErrorCode.OUT_OF_ORDER, "inference step '" + req.step() + "' arrived before prepare");
        return (State) s;
    }
}
