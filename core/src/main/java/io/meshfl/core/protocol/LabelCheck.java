package io.meshfl.core.protocol;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.data.Dataset;
import io.meshfl.core.model.Labels;
import io.meshfl.core.model.ModelSpec;

import java.time.Duration;
import java.util.Locale;
import java.util.Map;

/**
 * The label holder checks its label against the kind of target the job's model learns (binary,
 * k classes, a value, a count) before any entity is aligned: a step of the protocol the run is
 * signed for, so it passes the node's ticket and policy checks like every other. Every row of the
 * product is checked; the answer is "fits" or an error naming the product, label, rule and row,
 * never a value (see {@link Labels#check}).
 */
public final class LabelCheck {

    /** The step name, the same in every vertical protocol. */
    public static final String STEP = "label-check";

    private LabelCheck() {
    }

    /** Asks the label holder {@code domain} of a run of {@code protocol}; throws its refusal. */
    public static void ask(NodeChannel holder, String protocol, String jobId, String runId, String product, String label,
                           ModelSpec.Task task, int classes, Duration timeout) {
        Message req = Message.request(jobId, runId, protocol, STEP, 0, holder.domain()).withConfig(Map.of("product", product,
                "label", label, "objective", task.name().toLowerCase(Locale.ROOT), "classes", Integer.toString(Math.max(1, classes))));
        holder.call(req, timeout).orThrow();
    }

    /** The label holder's answer: every row of the product's label fits the objective, or the refusal. */
    public static Message answer(Message req, NodeContext ctx) {
        String product = req.cfg("product");
        String label = req.cfg("label");
        ModelSpec.Task task;
        try {
            task = ModelSpec.Task.valueOf(req.cfg("objective").toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "unknown objective '" + req.cfg("objective") + "' in a label check");
        }
        // read as the set-up reads it, through the node's column and label rules
        // every row's label, not its key: a product of tens of millions of rows is checked in a fraction of its size
        Dataset y = ctx.loadRows(product, java.util.List.of(), label, null);
        if (y == null || y.y() == null) {
            throw new MeshflException(ErrorCode.DATA_NO_LABEL, "product " + product + " holds no label '" + label + "' on " + ctx.domain());
        }
        Labels.check(task, Integer.parseInt(req.cfg("classes", "1")), y.y(), "product " + product + ": label '" + label + "' of a "
                + task.name().toLowerCase(Locale.ROOT) + " model", "row");
        return req.reply(ctx.nodeId(), Map.of("rows", (double) y.rows()), Map.of());
    }
}
