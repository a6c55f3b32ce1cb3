package io.meshfl.core.serving;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.protocol.Message;
import io.meshfl.core.protocol.NodeContext;
import io.meshfl.core.protocol.split.SplitServing;

import java.time.Duration;
import java.util.Map;

/**
 * A party's node in online serving of a split network: it runs its bottom (MeshFL's own, or its
 * external trainer's) over every row of its product once and answers a lookup with the cut
 * activations of the keys, its row at its means where it does not know one, to the coordinator, as
 * batch scoring sends them; which keys it knew goes sealed for the requester, so the coordinator sees
 * no gaps. For a network external trainers trained, the label holder's trainer also runs the top
 * over the parties' cut layers the coordinator hands it ({@link ServeSteps#FINISH}), as in batch scoring.
 */
public final class SplitServeNode extends ServeProtocol {

    @Override
    public String name() {
        return ServeSteps.SPLIT;
    }

    @Override
    protected Served prepare(Message req, NodeContext ctx) {
        Duration timeout = Duration.ofMillis((long) (1000 * Double.parseDouble(req.cfg("step_timeout", "600"))));
        SplitServing.Cuts c = SplitServing.bottoms(ctx, req.cfg("model_id"), req.cfg("product"), req.jobId(), timeout);
        return Served.ofDoubles(c.keys(), c.rows(), c.mean(), Served.Route.COORDINATOR, c.top()).withDrift(c.drift());
    }

    /** The label holder of an external network: its trainer's top over the cut layers side by side, logits to the coordinator. */
    @Override
    @SuppressWarnings("unchecked")
    protected Message finish(State s, Message req, NodeContext ctx) {
        if (!(s.served().extra() instanceof java.util.function.BiFunction<?, ?, ?> top)) {
            throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, ctx.domain() + " holds no top network of split model " + req.cfg("model_id", ""));
        }
        int n = Integer.parseInt(req.cfg("rows"));
        double[] z = ((java.util.function.BiFunction<double[], Integer, double[]>) top).apply(req.tensor(ServeSteps.CUTS), n);
        return req.reply(ctx.nodeId(), Map.of(), Map.of(ServeSteps.LOGITS, z));
    }
}
