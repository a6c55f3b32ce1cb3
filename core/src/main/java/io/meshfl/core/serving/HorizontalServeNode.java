package io.meshfl.core.serving;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.data.Dataset;
import io.meshfl.core.data.Standardizer;
import io.meshfl.core.model.Model;
import io.meshfl.core.model.ModelSpec;
import io.meshfl.core.model.Models;
import io.meshfl.core.protocol.Message;
import io.meshfl.core.protocol.NodeContext;

import java.util.Arrays;
import java.util.List;

/**
 * The requester's own node in online serving of a horizontal model: the global model every party
 * trained with (its parameters and the run's feature scaling) scores every row of the domain's own
 * product once, and each lookup is answered with the predictions of the keys it knows, sealed for
 * the requester. Nothing crosses a domain boundary but the model, which this domain helped train.
 */
public final class HorizontalServeNode extends ServeProtocol {

    @Override
    public String name() {
        return ServeSteps.HORIZONTAL;
    }

    @Override
    protected Served prepare(Message req, NodeContext ctx) {
        List<String> features = Arrays.stream(req.cfg("features").split(",")).map(String::strip).filter(f -> !f.isEmpty()).toList();
        ModelSpec.Type type = ModelSpec.Type.valueOf(req.cfg("model_type"));
        if (type == ModelSpec.Type.EXTERNAL) {
            throw new MeshflException(ErrorCode.PLAN_REFUSED, "a horizontal model of an external trainer is served by its trainer, not by the node");
        }
        List<Integer> hidden = Arrays.stream(req.cfg("hidden", "").split(",")).filter(h -> !h.isBlank()).map(h -> Integer.parseInt(h.strip())).toList();
        ModelSpec spec = new ModelSpec(type, hidden, Integer.parseInt(req.cfg("classes", "2")), Double.parseDouble(req.cfg("model_l2", "0")));
        Model model = Models.create(spec, features.size());
        double[] params = req.tensor("params");
        if (params.length != model.numParams()) {
            throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "the served model has " + params.length + " parameters, a " + type + " of "
                    + features.size() + " features needs " + model.numParams());
        }
        Dataset all = ctx.load(req.cfg("product"), features, null);
        if (req.tensors().containsKey("mean")) all = new Standardizer(req.tensor("mean"), req.tensor("std")).apply(all);
        // no drift is measured: a horizontal model keeps no profile of its training rows on the nodes (docs/serving.md)
        double[] pred = new double[all.rows() * model.outputs()];
        model.predict(params, all, pred);
        return Served.ofDoubles(all.keys(), pred, new double[model.outputs()], Served.Route.FINAL, null);
    }
}
