package io.meshfl.core.protocol.split;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.data.Dataset;
import io.meshfl.core.protocol.Message;
import io.meshfl.core.protocol.NodeContext;
import io.meshfl.core.protocol.NodeProtocol;
import io.meshfl.core.protocol.Predictions;
import io.meshfl.core.protocol.psi.PsiSteps;

import java.util.Map;

/**
 * The node side of scoring with a split network: a party holding a part encodes its aligned scoring
 * rows as in training (unseen categories to the unknown row) and returns its bottom network's cut
 * activations, noisy as in training; the requester writes the probabilities next to its own entity
 * keys.
 */
public final class SplitInferNode implements NodeProtocol {

    private static final String STATE = "split-infer.state";

    /** What a party keeps between the scoring steps. */
    /** A party's scoring rows and bottom network; a group member's seat (null otherwise). */
    private record State(String product, int[] aligned, Bottom bottom, SplitGroup.Seat seat, ExternalParty external) {
    }

    @Override
    public String name() {
        return SplitSteps.INFER_PROTOCOL;
    }

    @Override
    public Message handle(Message req, NodeContext ctx) {
        return switch (req.step()) {
            case SplitSteps.PREPARE -> prepare(req, ctx);
            case SplitSteps.FORWARD -> {
                State s = state(req, ctx);
                if (s.bottom == null && s.external == null) {
                    throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, ctx.domain() + " holds no part of split model " + req.cfg("model_id", ""));
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
            case SplitSteps.COLLECT -> {
                State s = state(req, ctx);
                var head = SplitNode.head(req);
                var written = Predictions.write(ctx, req.jobId(), s.product, s.aligned, req.tensor(SplitSteps.PREDICTIONS), head.outputs(),
                        req.cfg("label", ""), head.task());
                ctx.endJob(req.jobId());
                yield req.reply(ctx.nodeId(), written.metrics(), Map.of()).withConfig(written.replyConfig());
            }
            case SplitSteps.FINISH -> {
                ctx.endJob(req.jobId());
                yield req.reply(ctx.nodeId(), Map.of(), Map.of());
            }
            default -> req.failure(ctx.nodeId(), ErrorCode.PROTOCOL_FAILURE, "unknown split inference step '" + req.step() + "'");
        };
    }

    private Message prepare(Message req, NodeContext ctx) {
        Map<String, Object> job = ctx.jobState(req.jobId());
        String product = req.cfg("product");
        int[] aligned = (int[]) job.get(PsiSteps.ALIGNED_ROWS);
        if (aligned == null || !product.equals(job.get(PsiSteps.ALIGNED_PRODUCT))) {
            throw new MeshflException(ErrorCode.OUT_OF_ORDER, "split scoring of " + product + " arrived before entity alignment");
        }
        Bottom bottom = null;
        ExternalParty external = null;
        String group = req.cfg("group", null);
        byte[] stored = Boolean.parseBoolean(req.cfg("has_part", "true")) ? ctx.modelPart(req.cfg("model_id")) : null;
        if (stored != null && ExternalSplitPart.isExternal(stored)) {
            // a network an external trainer trained: scored by this node's trainer, from the part this node kept
            ExternalSplitPart part = ExternalSplitPart.parse(stored, req.cfg("model_id"));
            if (group != null) throw new MeshflException(ErrorCode.PLAN_REFUSED, "an external split network is not scored by a group's members");
            Dataset rows = ctx.load(product, part.encoding().features(), null).select(aligned);
            external = ExternalParty.forScoring(ctx, part, req.jobId(), part.encoding().apply(rows),
                    java.time.Duration.ofMillis((long) (1000 * Double.parseDouble(req.cfg("step_timeout", "600")))));
        } else if (Boolean.parseBoolean(req.cfg("has_part", "true"))) {
            String modelId = req.cfg("model_id");
            SplitPart part = SplitPart.parse(stored, modelId);
            Dataset all = ctx.load(product, part.encoding().features(), null);
            // a group member holds the common order sparsely: zero rows where another member holds the entity
            Dataset rows = group == null ? all.select(aligned) : all.selectSparse(aligned);
            bottom = new Bottom(ctx.domain(), part.encoding().apply(rows), part.predictionBottom(), part.params().clone(),
                    part.activationNoise());
        }
        SplitGroup.Seat seat = group == null ? null : new SplitGroup.Seat(new io.meshfl.core.protocol.group.GroupMember(group,
                SplitNode.csv(req.cfg("group_members")), ctx.domain()), io.meshfl.core.protocol.group.GroupMember.present(aligned));
        job.put(STATE, new State(product, aligned, bottom, seat, external));
        return req.reply(ctx.nodeId(), Map.of("rows", (double) aligned.length), Map.of(),
                seat == null ? Map.of() : Map.of("seal_pk", seat.seal.publicKey()));
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
