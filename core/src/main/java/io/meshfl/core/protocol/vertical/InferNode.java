package io.meshfl.core.protocol.vertical;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.crypto.seal.SealedBox;
import io.meshfl.core.data.Dataset;
import io.meshfl.core.model.ModelSpec;
import io.meshfl.core.protocol.Message;
import io.meshfl.core.protocol.NodeContext;
import io.meshfl.core.protocol.NodeProtocol;
import io.meshfl.core.protocol.Predictions;
import io.meshfl.core.protocol.psi.PsiSteps;

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
    }

    @Override
    public String name() {
        return PROTOCOL;
    }

    @Override
    public Message handle(Message req, NodeContext ctx) {
        return switch (req.step()) {
            case PREPARE -> prepare(req, ctx);
            case SEND -> {
                State s = state(req, ctx);
                String to = req.cfg("requester");
                byte[] sealed = s.seal.seal(req.blob("peer:" + to), req.jobId() + "/infer", CipherCodec.packDoubles(s.partial));
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
        if (req.cfg("joins", null) != null) {
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
        if (hasPart) {
            s.part = ModelPart.parse(ctx.modelPart(modelId), modelId);
            Dataset d = ctx.load(s.product, s.part.features(), null).select(s.aligned);
            s.partial = s.part.partial(d.x(), d.rows());
            s.outputs = s.part.outputs();
        } else {
            s.outputs = Integer.parseInt(req.cfg("outputs", "1"));
            s.partial = new double[s.aligned.length * s.outputs];
        }
        job.put(STATE, s);
        return req.reply(ctx.nodeId(), Map.of("rows", (double) s.aligned.length), Map.of(), Map.of("seal_pk", s.seal.publicKey()));
    }

    private Message collect(Message req, NodeContext ctx) {
        State s = state(req, ctx);
        List<String> parties = VerticalNode.split(req.cfg("parties"));
        VerticalNode.onlyFrom(req, parties, ctx.domain());
        double[] u = s.partial.clone();
        for (String p : parties) {
            if (p.equals(ctx.domain())) continue;
            byte[] open = s.seal.open(req.blob("peer:" + p), req.jobId() + "/infer", req.blob("from:" + p));
            double[] pu = CipherCodec.unpackDoubles(open, "partial scores of " + p);
            int[] idx = s.index == null ? null : s.index.get(p);
            int expected = idx == null ? u.length : (Integer) s.job.get("vertical.hostRows:" + p) * s.outputs;
            if (pu.length != expected) {
                throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, p + " scored " + pu.length + " rows, expected " + expected);
            }
            for (int i = 0; i < u.length; i++) u[i] += pu[idx == null ? i : idx[i / s.outputs] * s.outputs + i % s.outputs];
        }
        ModelSpec.Type type = ModelSpec.Type.valueOf(req.cfg("model_type"));
        int k = s.outputs;
        double[] pred = new double[u.length];
        for (int i = 0; i < u.length; i++) {
            pred[i] = switch (type) {
                case LOGISTIC -> 1 / (1 + Math.exp(-u[i]));
                case POISSON -> Math.exp(Math.min(30, u[i]));
                default -> u[i];
            };
        }
        if (type == ModelSpec.Type.SOFTMAX) {
            for (int i = 0; i < u.length / k; i++) io.meshfl.core.model.nn.Losses.softmax(u, i * k, k, pred, i * k);
        }
        var written = Predictions.write(ctx, req.jobId(), s.product, s.aligned, pred, k, req.cfg("label", ""),
                type == ModelSpec.Type.SOFTMAX ? ModelSpec.Task.MULTICLASS : ModelSpec.of(type).task());
        ctx.endJob(req.jobId());
        return req.reply(ctx.nodeId(), written.metrics(), Map.of()).withConfig(Map.of("predictions", written.file().toString()));
    }

    private static State state(Message req, NodeContext ctx) {
        Object s = ctx.jobState(req.jobId()).get(STATE);
        if (s == null) throw new MeshflException(ErrorCode.OUT_OF_ORDER, "inference step '" + req.step() + "' arrived before prepare");
        return (State) s;
    }
}
