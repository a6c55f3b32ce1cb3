package io.meshfl.core.serving;

import io.meshfl.core.protocol.Message;
import io.meshfl.core.protocol.NodeContext;
import io.meshfl.core.protocol.split.SplitServing;

/**
 * A party's node in online serving of a split network: it runs its bottom over every row of its
 * product once and answers a lookup with the cut activations of the keys, its row at its means
 * where it does not know one, to the coordinator that runs the top network, as batch scoring sends
 * them; which keys it knew goes sealed for the requester, so the coordinator sees no gaps.
 */
public final class SplitServeNode extends ServeProtocol {

    @Override
    public String name() {
        return ServeSteps.SPLIT;
    }

    @Override
    protected Served prepare(Message req, NodeContext ctx) {
        SplitServing.Cuts c = SplitServing.bottoms(ctx, req.cfg("model_id"), req.cfg("product"));
        return Served.ofDoubles(c.keys(), c.rows(), c.mean(), Served.Route.COORDINATOR, null).withDrift(c.drift());
    }
}
