package io.meshfl.core.protocol;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;

import java.util.Map;

/**
 * A run that starts from a stored model instead of fresh weights (the job's {@code warmStart}): the
 * continual training of a stream, or a model trained further on a new product version. The model
 * stays spread as it was trained: every party starts from the part it kept itself, found by the
 * model's parts key, and the coordinator from what the catalog holds of it (a split network's top).
 * A party starts in its kept part's input space (its scaling and, for a split network, its
 * categories), so the weights mean what they meant; optimizer state starts afresh. A horizontal
 * model is the coordinator's whole: the run starts from its parameters and keeps its scaling.
 *
 * @param modelId           the model in the catalog
 * @param partsKey          the key under which every party keeps its part (the model's run id)
 * @param coordinatorParams the parameters the coordinator holds of the model (a split network's top, a horizontal model
 *                          whole), possibly empty
 * @param scaling           a horizontal model's feature scaling, which the run keeps; null for a model trained unscaled and
 *                          for models whose parties keep their own scaling
 */
public record WarmStart(String modelId, String partsKey, double[] coordinatorParams, io.meshfl.core.data.Standardizer scaling) {

    /** Setup keys: the parts key a party reads its part under, and the model's id for messages. */
    public static final String FROM = "warm_from";
    public static final String MODEL = "warm_model";

    public WarmStart {
        coordinatorParams = coordinatorParams.clone();
    }

    /** Tells a party's setup which part to start from. */
    public void configure(Map<String, String> cfg) {
        cfg.put(FROM, partsKey);
        cfg.put(MODEL, modelId);
    }

    /**
     * This party's kept part of the model its setup warm-starts from, or null when the run starts
     * afresh; a party that keeps no such part is an error naming the model and the field.
     */
    public static byte[] part(Message setup, NodeContext ctx) {
        String key = setup.cfg(FROM, null);
        if (key == null) return null;
        byte[] part = ctx.modelPart(key);
        if (part == null) {
            throw new MeshflException(ErrorCode.CATALOG_NOT_FOUND, "warmStart: " + ctx.domain() + " keeps no part of model "
                    + model(setup) + "; a run starts from a model only with the parties that trained it");
        }
        return part;
    }

    /** The model a setup warm-starts from, for messages. */
    public static String model(Message setup) {
        return setup.cfg(MODEL, setup.cfg(FROM, "?"));
    }

    /** Refuses a kept part whose {@code what} differs from this run's, naming both. */
    public static void same(Message setup, NodeContext ctx, String what, Object kept, Object now) {
        if (!java.util.Objects.equals(kept, now)) {
            throw new MeshflException(ErrorCode.PLAN_REFUSED, "warmStart: the part of model " + model(setup) + " that " + ctx.domain()
                    + " keeps has " + what + " " + kept + ", this run's are " + now);
        }
    }
}
