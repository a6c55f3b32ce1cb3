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
    private record State(String product, int[] aligned, Bottom bottom) {
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
                if (s.bottom == null) {
                    throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, ctx.domain() + " holds no part of split model " + req.cfg("model_id", ""));
                }
                yield req.reply(ctx.nodeId(), Map.of(), Map.of(SplitSteps.ACT,
                        s.bottom.predict(SplitNode.intCfg(req, "from"), SplitNode.intCfg(req, "to"))));
            }
            case SplitSteps.COLLECT -> {
                State s = state(req, ctx);
                var head = SplitNode.head(req);
                var written = Predictions.write(ctx, req.jobId(), s.product, s.aligned, req.tensor(SplitSteps.PREDICTIONS), head.outputs(),
                        req.cfg("label", ""), head.task());
                ctx.endJob(req.jobId());
                yield req.reply(ctx.nodeId(), written.metrics(), Map.of()).withConfig(Map.of("predictions", written.file().toString()));
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
        if (Boolean.parseBoolean(req.cfg("has_part", "true"))) {
            String modelId = req.cfg("model_id");
            SplitPart part = SplitPart.parse(ctx.modelPart(modelId), modelId);
            Dataset rows = ctx.load(product, part.encoding().features(), null).select(aligned);
            bottom = new Bottom(ctx.domain(), part.encoding().apply(rows), part.predictionBottom(), part.params().clone(),
                    part.activationNoise());
        }
        job.put(STATE, new State(product, aligned, bottom));
        return req.reply(ctx.nodeId(), Map.of("rows", (double) aligned.length), Map.of());
    }

    private static State state(Message req, NodeContext ctx) {
        Object s = ctx.jobState(req.jobId()).get(STATE);
        if (s == null) throw new MeshflException(ErrorCode.OUT_OF_ORDER, "split scoring step '" + req.step() + "' arrived before prepare");
        return (State) s;
    }
}
