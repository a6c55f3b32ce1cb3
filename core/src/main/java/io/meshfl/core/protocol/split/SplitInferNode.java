package io.meshfl.core.protocol.split;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.crypto.seal.SealedBox;
import io.meshfl.core.data.Dataset;
import io.meshfl.core.monitoring.DriftRecords;
import io.meshfl.core.protocol.Message;
import io.meshfl.core.protocol.NodeContext;
import io.meshfl.core.protocol.NodeProtocol;
import io.meshfl.core.protocol.Predictions;
import io.meshfl.core.protocol.Wire;
import io.meshfl.core.protocol.psi.PsiSteps;
import io.meshfl.core.protocol.scoring.Coverage;
import io.meshfl.core.protocol.scoring.Missing;
import io.meshfl.core.protocol.scoring.OuterAlignment;
import io.meshfl.core.protocol.scoring.ScoringRequest;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The node side of scoring with a split network: a party holding a part encodes its aligned scoring
 * rows as in training (unseen categories to the unknown row) and returns its bottom network's cut
 * activations, noisy as in training; the requester writes the probabilities next to its own entity
 * keys. Scoring every row of the requester's product, the requester shuffles its rows in secret and
 * tells each other party, sealed, which of its rows (or its row at its means) stands at each place,
 * so that all cut layers arrive in one order the coordinator cannot tie to the requester's rows.
 */
public final class SplitInferNode implements NodeProtocol {

    private static final String STATE = "split-infer.state";

    /** What a party keeps between the scoring steps. */
    private static final class State {
        String product;
        /** The product's rows in the order they are scored (the requester's shuffled rows when scoring every row). */
        int[] aligned;
        Bottom bottom;
        ExternalParty external;
        /** A group member's seat (null otherwise). */
        SplitGroup.Seat seat;
        ScoringRequest request = ScoringRequest.SHARED;
        /** The model's parts key: the baseline of its scores is kept under it. */
        String modelId;
        /** The part the forwarding network is built from, one of the two. */
        SplitPart own;
        ExternalSplitPart externalPart;
        Duration trainerTimeout;
        /** Scoring every row: the key the requester's row order is sealed with. */
        SealedBox seal;
        /** Requester scoring every row: where each of its rows is among each other party's, and its secret order of its rows. */
        OuterAlignment.Index outer;
        int[] order;
        /** Another party scoring every row: its encoded aligned rows and, last, its row at its means, waiting for the requester's order. */
        Dataset pending;
    }

    @Override
    public String name() {
        return SplitSteps.INFER_PROTOCOL;
    }

    @Override
    public Message handle(Message req, NodeContext ctx) {
        return switch (req.step()) {
            case SplitSteps.PREPARE -> prepare(req, ctx);
            case SplitSteps.ORDER -> order(req, ctx);
            case SplitSteps.REORDER -> reorder(req, ctx);
            case SplitSteps.FORWARD -> {
                State s = state(req, ctx);
                if (s.bottom == null && s.external == null) {
                    throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, ctx.domain() + " holds no part of split model " + req.cfg("model_id", "")
                            + (s.pending != null ? " lined up for scoring: the requester's row order has not arrived" : ""));
                }
                int from = SplitNode.intCfg(req, "from"), to = SplitNode.intCfg(req, "to");
                if (s.external != null) yield req.reply(ctx.nodeId(), Map.of(), Map.of(SplitSteps.ACT, s.external.predict(from, to)));
                double[] act = s.bottom.predict(from, to);
                if (s.seat != null) {
                    // a member answers for its own entities, masked: only the members' blocks together are the party's
                    yield req.reply(ctx.nodeId(), Map.of(), Map.of(), Map.of(SplitSteps.ACT, s.seat.masked(req.jobId() + "/split-infer/" + from, act,
                            SplitGroup.range(from, to), s.bottom.cutWidth())));
                }
                yield req.reply(ctx.nodeId(), Map.of(), Map.of(SplitSteps.ACT, act));
            }
            case SplitSteps.TOP_PREDICT -> {
                State s = state(req, ctx);
                if (s.external == null || !s.external.holdsTop()) {
                    throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, ctx.domain() + " holds no top network of split model " + req.cfg("model_id", ""));
                }
                yield req.reply(ctx.nodeId(), Map.of(), Map.of(SplitSteps.LOGITS, s.external.topPredict(req.tensor(SplitSteps.CUTS),
                        SplitNode.intCfg(req, "rows"))));
            }
            case SplitSteps.INFER_GROUP_SEED -> {
                SplitGroup.Seat seat = seat(state(req, ctx));
                yield req.reply(ctx.nodeId(), Map.of(), Map.of(), seat.member.offerSeed(seat.seal, req, "split-infer-seed"));
            }
            case SplitSteps.INFER_GROUP_JOIN -> {
                SplitGroup.Seat seat = seat(state(req, ctx));
                seat.member.acceptSeed(seat.seal, req, ctx.domain(), "split-infer-seed");
                yield req.reply(ctx.nodeId(), Map.of(), Map.of());
            }
            case SplitSteps.COLLECT -> collect(req, ctx);
            case SplitSteps.FINISH -> {
                ctx.endJob(req.jobId());
                yield req.reply(ctx.nodeId(), Map.of(), Map.of());
            }
            default -> req.failure(ctx.nodeId(), ErrorCode.PROTOCOL_FAILURE, "unknown split inference step '" + req.step() + "'");
        };
    }

    private Message prepare(Message req, NodeContext ctx) {
        Map<String, Object> job = ctx.jobState(req.jobId());
        State s = new State();
        s.product = req.cfg("product");
        s.request = ScoringRequest.of(req);
        String group = req.cfg("group", null);
        boolean host = req.cfg(OuterAlignment.SLOT, null) != null;
        if (req.cfg(OuterAlignment.HOSTS, null) != null) {
            s.outer = OuterAlignment.read(req.cfg(OuterAlignment.HOSTS), job, s.product);
            // a secret shuffle: the places the others and the coordinator see say nothing of where a row is in this product
            s.order = shuffled(s.outer.rows());
            s.aligned = s.order;
        } else if (host) {
            s.aligned = OuterAlignment.hostRows(req.cfg(OuterAlignment.SLOT), job, s.product);
        } else {
            s.aligned = (int[]) job.get(PsiSteps.ALIGNED_ROWS);
            if (s.aligned == null || !s.product.equals(job.get(PsiSteps.ALIGNED_PRODUCT))) {
                throw new MeshflException(ErrorCode.OUT_OF_ORDER, "split scoring of " + s.product + " arrived before entity alignment");
            }
        }
        if (group != null && (host || s.outer != null)) {
            throw new MeshflException(ErrorCode.PLAN_REFUSED, "a group's members score only the rows every party holds");
        }
        if (host || s.outer != null) s.seal = SealedBox.generate();
        s.trainerTimeout = Duration.ofMillis((long) (1000 * Double.parseDouble(req.cfg("step_timeout", "600"))));
        s.modelId = req.cfg("model_id");
        Map<String, Double> metrics = new java.util.LinkedHashMap<>();
        if (Boolean.parseBoolean(req.cfg("has_part", "true"))) {
            String modelId = s.modelId;
            byte[] stored = ctx.modelPart(modelId);
            ColumnEncoding encoding;
            if (stored != null && ExternalSplitPart.isExternal(stored)) {
                // a network an external trainer trained: scored by this node's trainer, from the part this node kept
                s.externalPart = ExternalSplitPart.parse(stored, modelId);
                if (group != null) throw new MeshflException(ErrorCode.PLAN_REFUSED, "an external split network is not scored by a group's members");
                encoding = s.externalPart.encoding();
            } else {
                s.own = SplitPart.parse(stored, modelId);
                encoding = s.own.encoding();
            }
            Dataset all = ctx.load(s.product, encoding.features(), null);
            // drift over the rows this party scores, its own entities only (not the row at its means)
            metrics.putAll(DriftRecords.features(ctx, modelId, group == null ? all.select(s.aligned)
                    : all.select(java.util.Arrays.stream(s.aligned).filter(i -> i >= 0).toArray())));
            if (host) {
                // the row at its means last, for the requester's rows this party does not know; its bottom waits for the requester's order
                s.pending = encoding.apply(all.select(s.aligned)).withRow(encoding.typicalRow(encoding.apply(all)));
            } else {
                // a group member holds the common order sparsely: zero rows where another member holds the entity
                forwarder(s, ctx, req.jobId(), encoding.apply(group == null ? all.select(s.aligned) : all.selectSparse(s.aligned)));
            }
        }
        s.seat = group == null ? null : new SplitGroup.Seat(new io.meshfl.core.protocol.group.GroupMember(group,
                SplitNode.csv(req.cfg("group_members")), ctx.domain()), io.meshfl.core.protocol.group.GroupMember.present(s.aligned));
        job.put(STATE, s);
        byte[] key = s.seat != null ? s.seat.seal.publicKey() : s.seal != null ? s.seal.publicKey() : null;
        metrics.put("rows", (double) s.aligned.length);
        return req.reply(ctx.nodeId(), metrics, Map.of(), key == null ? Map.of() : Map.of("seal_pk", key));
    }

    /**
     * The requester: for each other party ({@code peer:PARTY} keys), that party's row at each place of
     * the secret order, its row at its means where it does not know the entity (whatever the request
     * says of such rows, so that what the party sends shows no gaps), sealed for it ({@code to:PARTY}).
     */
    private Message order(Message req, NodeContext ctx) {
        State s = state(req, ctx);
        if (s.outer == null) throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, ctx.domain() + " is not scoring every row of its product");
        Map<String, byte[]> out = new LinkedHashMap<>();
        for (var h : s.outer.rowOf().entrySet()) {
            int known = s.outer.hostRows().get(h.getKey());
            int[] idx = h.getValue();
            int[] rows = new int[s.order.length];
            for (int p = 0; p < rows.length; p++) rows[p] = idx[s.order[p]] >= 0 ? idx[s.order[p]] : known;
            out.put("to:" + h.getKey(), s.seal.seal(req.blob("peer:" + h.getKey()), req.jobId() + "/split-order/" + h.getKey(),
                    new Wire.Out().putInt(known).putInts(rows).bytes()));
        }
        return req.reply(ctx.nodeId(), Map.of(), Map.of(), out);
    }

    /** Another party: opens the requester's order and builds its forwarding network over its rows lined up in it. */
    private Message reorder(Message req, NodeContext ctx) {
        State s = state(req, ctx);
        if (s.pending == null) {
            throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, ctx.domain() + " has no rows of split model " + req.cfg("model_id", "")
                    + " waiting for a row order");
        }
        String from = req.cfg("requester");
        Wire.In in = new Wire.In(s.seal.open(req.blob("peer:" + from), req.jobId() + "/split-order/" + ctx.domain(), req.blob("order")),
                "row order of " + from);
        int known = in.getInt();
        int[] rows = in.getInts();
        in.end();
        int mean = s.pending.rows() - 1;
        if (known != mean) {
            throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, from + " counts " + known + " rows of its alignment with " + ctx.domain()
                    + ", which holds " + mean);
        }
        for (int r : rows) {
            if (r < 0 || r > mean) throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "the row order of " + from + " names a row outside 0.." + mean);
        }
        forwarder(s, ctx, req.jobId(), s.pending.select(rows));
        s.pending = null;
        return req.reply(ctx.nodeId(), Map.of("rows", (double) rows.length), Map.of());
    }

    /**
     * The requester writes the probabilities next to its keys: scoring every row, put back from the
     * secret order into its product's, rows a party did not know left unscored unless imputed, with
     * the coverage of each row.
     */
    private Message collect(Message req, NodeContext ctx) {
        State s = state(req, ctx);
        var head = SplitNode.head(req);
        int k = head.outputs();
        double[] pred = req.tensor(SplitSteps.PREDICTIONS);
        int[] aligned = s.aligned;
        Coverage coverage = null;
        if (s.outer != null) {
            int n = s.order.length;
            if (pred.length != (long) n * k) {
                throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, pred.length / Math.max(1, k) + " predictions for " + n + " rows");
            }
            double[] back = new double[pred.length];
            for (int p = 0; p < n; p++) System.arraycopy(pred, p * k, back, s.order[p] * k, k);
            if (s.request.missing() != Missing.IMPUTE_MEAN) {
                for (int[] idx : s.outer.rowOf().values()) {
                    for (int i = 0; i < n; i++) if (idx[i] < 0) java.util.Arrays.fill(back, i * k, (i + 1) * k, Double.NaN);
                }
            }
            pred = back;
            aligned = s.outer.allRows();
            coverage = s.outer.coverage(ctx.domain(), SplitNode.csv(req.cfg("parties")));
        }
        var written = Predictions.write(ctx, req.jobId(), s.product, aligned, pred, k, req.cfg("label", ""), head.task(), s.request.tag(coverage));
        Map<String, Double> metrics = new java.util.LinkedHashMap<>(written.metrics());
        metrics.putAll(DriftRecords.score(ctx, s.modelId, pred, k));
        ctx.endJob(req.jobId());
        return req.reply(ctx.nodeId(), metrics, Map.of()).withConfig(written.replyConfig());
    }

    /** Builds the party's forwarding network, its own bottom or its trainer's, over {@code encoded} rows in scoring order. */
    private static void forwarder(State s, NodeContext ctx, String jobId, Dataset encoded) {
        if (s.externalPart != null) {
            s.external = ExternalParty.forScoring(ctx, s.externalPart, jobId, encoded, s.trainerTimeout);
        } else {
            s.bottom = new Bottom(ctx.domain(), encoded, s.own.predictionBottom(), s.own.params().clone(), s.own.activationNoise());
        }
    }

    /** 0..n-1 in a random order no other party can replay. */
    private static int[] shuffled(int n) {
        SecureRandom random = new SecureRandom();
        int[] a = new int[n];
        for (int i = 0; i < n; i++) a[i] = i;
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
        return a;
    }

    private static SplitGroup.Seat seat(State s) {
        if (s.seat == null) throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "this node is no member of a group in this scoring");
        return s.seat;
    }

    private static State state(Message req, NodeContext ctx) {
        Object s = ctx.jobState(req.jobId()).get(STATE);
        if (s == null) throw new MeshflException(ErrorCode.OUT_OF_ORDER, "split scoring step '" + req.step() + "' arrived before prepare");
        return (State) s;
    }
}
