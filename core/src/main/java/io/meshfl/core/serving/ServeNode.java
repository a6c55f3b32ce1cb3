package io.meshfl.core.serving;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.crypto.seal.SealedBox;
import io.meshfl.core.data.Dataset;
import io.meshfl.core.protocol.Message;
import io.meshfl.core.protocol.NodeContext;
import io.meshfl.core.protocol.NodeProtocol;
import io.meshfl.core.protocol.vertical.ModelPart;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.Map;

/**
 * A party's node in online serving of a vertical model: it scores every row of its product with its
 * part of the model once, indexes the rows by their keys blinded under the session's key, and then
 * answers each lookup, without another alignment, with the partial scores of the keys it knows,
 * sealed for the requester. Feature values never leave; a key it does not know is answered as such.
 */
public final class ServeNode implements NodeProtocol {

    private static final String STATE = "serve.state";

    /** What a party keeps for the length of a session. */
    private static final class State {
        final SealedBox seal = SealedBox.generate();
        ModelPart part;
        double[] partial;
        double[] meanPartial;
        String[] keys;
        volatile Map<ByteBuffer, Integer> index;
        byte[] requester;
        String session;
    }

    @Override
    public String name() {
        return ServeSteps.PROTOCOL;
    }

    @Override
    public Message handle(Message req, NodeContext ctx) {
        return switch (req.step()) {
            case ServeSteps.PREPARE -> prepare(req, ctx);
            case ServeSteps.KEY -> key(req, ctx);
            case ServeSteps.LOOKUP -> lookup(req, ctx);
            case ServeSteps.CLOSE -> {
                ctx.endJob(req.jobId());
                yield req.reply(ctx.nodeId(), Map.of(), Map.of());
            }
            default -> req.failure(ctx.nodeId(), ErrorCode.PROTOCOL_FAILURE, "unknown serving step '" + req.step() + "'");
        };
    }

    private Message prepare(Message req, NodeContext ctx) {
        State s = new State();
        String modelId = req.cfg("model_id");
        s.session = req.jobId();
        s.part = ModelPart.parse(ctx.modelPart(modelId), modelId);
        Dataset all = ctx.load(req.cfg("product"), s.part.features(), null);
        if (all.keys() == null) throw new MeshflException(ErrorCode.POLICY_VIOLATION, "product " + req.cfg("product") + " declares no entity key");
        s.partial = s.part.partial(all.x(), all.rows());
        s.meanPartial = s.part.partial(s.part.mean(), 1);
        s.keys = all.keys();
        ctx.jobState(req.jobId()).put(STATE, s);
        return req.reply(ctx.nodeId(), Map.of("rows", (double) all.rows(), "outputs", (double) s.part.outputs()), Map.of(),
                Map.of("seal_pk", s.seal.publicKey()));
    }

    private Message key(Message req, NodeContext ctx) {
        State s = state(req, ctx);
        // the node took this key only signed by the requester's domain for this session (on a mesh with a CA)
        s.requester = req.blob("peer:" + req.cfg("requester"));
        byte[] k = s.seal.open(s.requester, ServeSteps.keyContext(s.session, ctx.domain()), req.blob("key"));
        BlindKeys blind = new BlindKeys(k);
        Map<ByteBuffer, Integer> index = new HashMap<>(s.keys.length * 2);
        for (int i = 0; i < s.keys.length; i++) {
            if (s.keys[i] == null) continue;
            Integer prev = index.put(blind.blind(s.keys[i]), i);
            if (prev != null) {
                // the key itself may be personal data: name the rows, not the value
                throw new MeshflException(ErrorCode.DATA_BAD_VALUE, "product " + req.cfg("product", "") + " has a duplicate entity key at data rows "
                        + (prev + 1) + " and " + (i + 1) + "; serving needs unique keys");
            }
        }
        s.index = index;
        return req.reply(ctx.nodeId(), Map.of("indexed", (double) index.size()), Map.of());
    }

    /** This part at its means, per blinded key a flag (1: known), then the partial scores of the known ones, sealed for the requester. */
    private Message lookup(Message req, NodeContext ctx) {
        State s = state(req, ctx);
        if (s.index == null) throw new MeshflException(ErrorCode.OUT_OF_ORDER, "a serving lookup arrived before the session key");
        byte[] keys = req.blob("keys");
        if (keys.length % BlindKeys.BYTES != 0) {
            throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "blinded keys of " + keys.length + " bytes are not whole keys");
        }
        int n = keys.length / BlindKeys.BYTES, k = s.part.outputs();
        int[] rows = new int[n];
        int known = 0;
        for (int i = 0; i < n; i++) {
            Integer r = s.index.get(ByteBuffer.wrap(keys, i * BlindKeys.BYTES, BlindKeys.BYTES).slice());
            rows[i] = r == null ? -1 : r;
            if (r != null) known++;
        }
        // first this part at its training means (what a requester imputing a key this party does not know adds), then the flags
        ByteBuffer out = ByteBuffer.allocate((k + known * k) * Double.BYTES + n).order(ByteOrder.LITTLE_ENDIAN);
        for (double m : s.meanPartial) out.putDouble(m);
        for (int r : rows) out.put((byte) (r >= 0 ? 1 : 0));
        for (int r : rows) if (r >= 0) for (int c = 0; c < k; c++) out.putDouble(s.partial[r * k + c]);
        byte[] sealed = s.seal.seal(s.requester, ServeSteps.context(s.session, req.cfg("call"), ctx.domain()), out.array());
        return req.reply(ctx.nodeId(), Map.of(), Map.of(), Map.of("partial", sealed));
    }

    private static State state(Message req, NodeContext ctx) {
        Object s = ctx.jobState(req.jobId()).get(STATE);
        if (s == null) throw new MeshflException(ErrorCode.OUT_OF_ORDER, "serving step '" + req.step() + "' arrived before prepare");
        return (State) s;
    }
}
