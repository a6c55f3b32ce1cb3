package io.meshfl.core.serving;

import io.meshfl.core.data.Dataset;
import io.meshfl.core.monitoring.DriftRecords;
import io.meshfl.core.protocol.Message;
import io.meshfl.core.protocol.NodeContext;
import io.meshfl.core.protocol.vertical.ModelPart;

/**
 * A party's node in online serving of a vertical model: it scores every row of its product with its
 * part of the model once and answers each lookup with the partial scores of the keys it knows,
 * sealed for the requester, which sums them (and this part at its training means where a party
 * does not know the key).
 */
public final class ServeNode extends ServeProtocol {

    @Override
    public String name() {
        return ServeSteps.PROTOCOL;
    }

    @Override
    protected Served prepare(Message req, NodeContext ctx) {
        String modelId = req.cfg("model_id");
        ModelPart part = ModelPart.parse(ctx.modelPart(modelId), modelId);
        Dataset all = ctx.load(req.cfg("product"), part.features(), null);
        return Served.ofDoubles(all.keys(), part.partial(all.x(), all.rows()), part.partial(part.mean(), 1), Served.Route.REQUESTER, null)
                .withDrift(DriftRecords.features(ctx, modelId, all));
    }
}
