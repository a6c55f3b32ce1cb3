package io.meshfl.core.protocol.split;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.model.TensorSpec;
import io.meshfl.core.protocol.Message;
import io.meshfl.core.protocol.NodeContext;

import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * One party's part of a split network its external trainer trained, as the node keeps it: its
 * column encoding, the trainer's name, the declared tensors and values of its bottom, and on the
 * label holder those of the top. The values are what the trainer returned, checked against the
 * declaration, so a stored model holds nothing the job did not declare.
 */
public record ExternalSplitPart(String domain, ColumnEncoding encoding, String trainer, int cutWidth, double activationNoise,
                                List<TensorSpec> bottomTensors, double[] bottom, List<TensorSpec> topTensors, double[] top, String task,
                                int outputs, int parties) {

    private static final ObjectMapper JSON = new ObjectMapper();

    /** Whether a stored split part is an external network's (it names its trainer). */
    public static boolean isExternal(byte[] json) {
        try {
            return json != null && JSON.readTree(json).hasNonNull("trainer");
        } catch (IOException e) {
            return false;
        }
    }

    public static ExternalSplitPart parse(byte[] json, String modelId) {
        return SplitPart.read(json, modelId, ExternalSplitPart.class);
    }

    public byte[] toJson() {
        return SplitPart.write(this);
    }

    /** The head the top was trained with. */
    public io.meshfl.core.model.nn.Head head() {
        return new io.meshfl.core.model.nn.Head(io.meshfl.core.model.ModelSpec.Task.valueOf(task), outputs);
    }

    /** The SAVE step of a party with an external network: the selected epoch's state (or the last one) stored as its model part. */
    static Message save(Message req, NodeContext ctx, SplitNode.Party p) {
        boolean selected = Boolean.parseBoolean(req.cfg("selected", "false"));
        if (selected && p.keptState == null) {
            throw new MeshflException(ErrorCode.OUT_OF_ORDER, p.domain + " was asked to save the selected epoch's networks but kept none");
        }
        Map<String, double[]> state = selected ? p.keptState : p.external.state();
        ExternalSplitPart part = new ExternalSplitPart(p.domain, p.encoding, p.external.trainerName(), p.external.cutWidth(),
                p.external.noiseSd(), p.external.bottomTensors, state.get("bottom"), p.external.topTensors, state.get("top"),
                p.head.task().name(), p.head.outputs(), p.external.parties());
        ctx.saveModelPart(req.cfg("model_id"), part.toJson());
        io.meshfl.core.monitoring.DriftRecords.saveKept(ctx, ctx.jobState(req.jobId()), req.cfg("model_id"));
        ctx.endJob(req.jobId());
        int params = part.bottom().length + (part.top() == null ? 0 : part.top().length);
        return req.reply(ctx.nodeId(), Map.of("params", (double) params), Map.of());
    }
}
