package io.meshfl.core.protocol.vertical;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.protocol.Message;
import io.meshfl.core.protocol.NodeContext;
import io.meshfl.core.protocol.RunCheckpoint;
import io.meshfl.core.protocol.RunParts;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a vertical party keeps of a run: the part it persists at each epoch's checkpoint (so a
 * resumed run goes on from it) and the model part it saves at the end.
 */
final class VerticalParts {

    private static final ObjectMapper JSON = new ObjectMapper();

    private VerticalParts() {
    }

    /**
     * Persists this party's part of the epoch just ended (its aligned rows, weights and optimizer
     * state) in its own run folder, forced to the disk, and answers with its SHA-256, which the
     * coordinator commits as the epoch's marker once every party has answered. A node without a
     * state folder answers that it keeps none ({@code persisted} 0): the run then cannot resume.
     */
    static Message checkpoint(Message req, NodeContext ctx, Party p) {
        return RunParts.answer(req, ctx, PART, round -> {
            Map<String, double[]> t = new LinkedHashMap<>();
            t.put("aligned", RunParts.values(p.aligned));
            t.put("w", p.w.clone());
            t.put("bias", p.bias.clone());
            if (p.anchor != null) t.put("anchor", p.anchor.clone());
            if (p.m1 != null) {
                t.put("m1", p.m1.clone());
                t.put("m2", p.m2.clone());
            }
            if (p.keptW != null) {
                t.put("kept_w", p.keptW.clone());
                t.put("kept_bias", p.keptBias.clone());
            }
            return new RunCheckpoint(round, t, Map.of("steps", (double) p.steps));
        });
    }

    /** Puts the weights and optimizer state of a persisted part back into a freshly set-up party. */
    static void restore(Party p, RunCheckpoint part) {
        double[] w = part.tensor("w");
        if (w.length != p.w.length) {
            throw new MeshflException(ErrorCode.OUT_OF_ORDER, "the part of " + p.domain + " persisted for round " + part.round() + " has "
                    + w.length + " weights; the run's columns are " + p.w.length);
        }
        System.arraycopy(w, 0, p.w, 0, w.length);
        double[] bias = part.tensor("bias");
        if (bias.length != p.bias.length) {
            throw new MeshflException(ErrorCode.OUT_OF_ORDER, "the part of " + p.domain + " persisted for round " + part.round() + " has "
                    + bias.length + " biases; the run's model has " + p.bias.length);
        }
        System.arraycopy(bias, 0, p.bias, 0, bias.length);
        if (p.anchor != null) p.anchor = part.tensor("anchor").clone();
        if (part.tensors().containsKey("m1")) {
            p.m1 = part.tensor("m1").clone();
            p.m2 = part.tensor("m2").clone();
        }
        p.steps = (int) part.number("steps", 0);
        if (part.tensors().containsKey("kept_w")) {
            p.keptW = part.tensor("kept_w").clone();
            p.keptBias = part.tensor("kept_bias").clone();
        }
    }

    /**
     * The part of the model a setup warm-starts from that this party keeps, checked against this run: the same role, model
     * family, classes and columns in the same order; null when the run starts afresh.
     */
    static ModelPart warmPart(Message req, NodeContext ctx, boolean guest, io.meshfl.core.model.ModelSpec.Type type, int classes,
                              java.util.List<String> features, String group) {
        byte[] bytes = io.meshfl.core.protocol.WarmStart.part(req, ctx);
        if (bytes == null) return null;
        if (group != null) {
            throw new MeshflException(ErrorCode.PLAN_REFUSED, "warmStart: " + ctx.domain() + " takes part as a member of group " + group
                    + "; a party made of several products starts afresh");
        }
        ModelPart part = ModelPart.parse(bytes, io.meshfl.core.protocol.WarmStart.model(req));
        io.meshfl.core.protocol.WarmStart.same(req, ctx, "the role", part.role(), guest ? "guest" : "host");
        io.meshfl.core.protocol.WarmStart.same(req, ctx, "the model type", part.model(), type.name());
        io.meshfl.core.protocol.WarmStart.same(req, ctx, "outputs", part.outputs(), classes);
        io.meshfl.core.protocol.WarmStart.same(req, ctx, "the columns", part.features(), features);
        return part;
    }

    /** Starts a freshly set-up party from the weights and bias(es) of a kept model part (see {@link #warmPart}). */
    static void warm(Party p, ModelPart part) {
        if (part.weights().length != p.w.length) {
            throw new MeshflException(ErrorCode.NODE_FAILURE, "warmStart: the kept part of " + p.domain + " has " + part.weights().length
                    + " weights; its columns and classes need " + p.w.length);
        }
        System.arraycopy(part.weights(), 0, p.w, 0, p.w.length);
        if (p.outputs > 1) System.arraycopy(part.biases(), 0, p.bias, 0, p.bias.length);
        else p.bias[0] = part.bias();
    }

    /** The name of this protocol's parts in a party's run folder. */
    static final String PART = "vertical";

    static Message save(Message req, NodeContext ctx, Party p) {
        Map<String, Object> part = new LinkedHashMap<>();
        part.put("domain", p.domain);
        part.put("role", p.guest ? "guest" : "host");
        part.put("model", p.model.name());
        part.put("features", p.features);
        part.put("mean", p.mean);
        part.put("std", p.std);
        // a job that selects an epoch saves that epoch's weights, which every party kept when the arbiter said so
        boolean selected = req.cfg("selected", "false").equals("true");
        if (selected && p.keptW == null) {
            throw new MeshflException(ErrorCode.OUT_OF_ORDER, "the party of " + p.domain + " was asked for its selected weights but kept none");
        }
        part.put("weights", selected ? p.keptW : p.w);
        double[] bias = selected ? p.keptBias : p.bias;
        part.put("bias", bias[0]);
        if (p.outputs > 1) {
            part.put("classes", p.outputs);
            part.put("biases", bias);
        }
        try {
            ctx.saveModelPart(req.cfg("model_id"), JSON.writeValueAsBytes(part));
            if (p.profiles != null) io.meshfl.core.monitoring.DriftRecords.saveProfiles(ctx, req.cfg("model_id"), p.profiles);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new MeshflException(ErrorCode.INTERNAL, "cannot serialize model part: " + e.getMessage(), e);
        }
        ctx.endJob(req.jobId());
        return req.reply(p.domain, Map.of(), Map.of());
    }

}
