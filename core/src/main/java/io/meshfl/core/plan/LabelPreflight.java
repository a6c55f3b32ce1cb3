package io.meshfl.core.plan;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.data.Dataset;
import io.meshfl.core.model.Labels;
import io.meshfl.core.model.ModelSpec;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * The label check of a plan, made where the plan is made: every row of each product holding the
 * plan's label, where this process can read it, is checked against the kind of target the model
 * learns by the rule its node applies ({@link Labels#check}), so a label that cannot fit refuses
 * the plan before any run is asked for. Each product gets a line in the plan's explanation: it
 * fits, or it could not be read here and who checks it instead. Nothing is passed over silently.
 */
public final class LabelPreflight {

    /** The roles of the products that hold the label: every horizontal product, a vertical plan's guest, a join's base product. */
    private static final Set<String> HOLDER_ROLES = Set.of("train", "guest", "base");
    /** The strategies whose runs open with the label holder's own check ({@code label-check}), before any entity is aligned. */
    private static final Set<String> CHECKED_AT_START = Set.of("vertical", "split", "secureboost");

    private LabelPreflight() {
    }

    /**
     * The plan with one line per label-holding product (training and evaluation products alike);
     * throws {@link ErrorCode#DATA_BAD_VALUE} naming the product, label, rule and first bad row when
     * a label does not fit. {@code labels} gives a product's declared label ({@code meshfl.label},
     * the column the planner matched to the plan's label) as read here, or null when this process
     * cannot read the product.
     */
    public static Plan check(Plan plan, Function<String, Dataset> labels) {
        if (plan.label() == null) return plan;
        ModelSpec.Task task = plan.model().task();
        // the class count the runners send the label holder: the model's outputs, 1 unless multiclass
        int classes = plan.model().outputs();
        Plan out = plan;
        for (Plan.Participant p : holders(plan).values()) {
            String product = p.productId();
            Dataset d = labels.apply(product);
            if (d == null) {
                out = out.withReason(unreadable(plan, product, task, classes));
                continue;
            }
            if (d.y() == null) {
                throw new MeshflException(ErrorCode.DATA_NO_LABEL, "label check: product " + product + " holds no label '" + plan.label() + "'");
            }
            try {
                Labels.check(task, classes, d.y(), "product " + product + ": label '" + plan.label() + "' of a " + name(task) + " model", "row");
            } catch (MeshflException e) {
                // a fresh error without the local detail, which quotes the value: a plan's output is shared with the job's
                // submitter and reviewers, who are told where to look, not what is there
                throw new MeshflException(e.code(), "label check: " + e.getMessage() + "; the plan is refused");
            }
            out = out.withReason("label check: " + product + " label '" + plan.label() + "' fits " + objective(task, classes, "a")
                    + " (" + d.rows() + " rows read here)");
        }
        return out;
    }

    /** The products holding the label by id, in plan order: the training holders, then their domains' evaluation products. */
    private static Map<String, Plan.Participant> holders(Plan plan) {
        Map<String, Plan.Participant> out = new LinkedHashMap<>();
        Set<String> domains = new java.util.HashSet<>();
        for (Plan.Participant p : plan.participants()) {
            if (!HOLDER_ROLES.contains(p.role())) continue;
            out.putIfAbsent(p.productId(), p);
            domains.add(p.domain());
        }
        // a label holder's evaluation product carries the label too: the run scores the model with it
        for (Plan.Participant p : plan.evaluation()) if (domains.contains(p.domain())) out.putIfAbsent(p.productId(), p);
        return out;
    }

    private static String unreadable(Plan plan, String product, ModelSpec.Task task, int classes) {
        String against = "label '" + plan.label() + "' against " + objective(task, classes, "the");
        if (CHECKED_AT_START.contains(plan.strategy())) {
            return "label check: " + product + " is not readable here; its node checks " + against
                    + " when the run starts, before entity alignment";
        }
        return "label check: " + product + " is not readable here, and a " + plan.strategy() + " run has no label check step: "
                + "nothing checks " + against + " before the run";
    }

    private static String objective(ModelSpec.Task task, int classes, String article) {
        return article + " " + name(task) + " objective" + (task == ModelSpec.Task.MULTICLASS ? " with " + classes + " classes" : "");
    }

    private static String name(ModelSpec.Task task) {
        return task.name().toLowerCase(Locale.ROOT);
    }
}
