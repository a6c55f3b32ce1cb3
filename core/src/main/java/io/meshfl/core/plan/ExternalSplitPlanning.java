package io.meshfl.core.plan;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.protocol.split.SplitTensors;

import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The plan of a split network an external trainer trains: every party's bottom and the top
 * declared by role ({@code PARTY/NAME}, {@code top/NAME}), the top on the label holder, which keeps
 * its labels, and no party made of several nodes. What the plan says each side learns.
 */
final class ExternalSplitPlanning {

    private ExternalSplitPlanning() {
    }

    /** Refuses an external split job whose declaration or settings the protocol cannot honour, naming the field. */
    static void check(JobSpec job, List<Plan.Participant> parts) {
        String file = job.sourceFile();
        SplitTensors tensors;
        try {
            tensors = SplitTensors.of(job.model().parameters());
        } catch (IllegalArgumentException e) {
            throw new MeshflException(ErrorCode.PLAN_REFUSED, file + ": " + e.getMessage());
        }
        for (Plan.Participant p : parts) {
            if (p.group() != null) {
                throw new MeshflException(ErrorCode.PLAN_REFUSED, file + ": groups: an external split network trains parties of one node each; "
                        + "group " + p.group() + " would need its members to share the trainer's bottom network");
            }
            if (tensors.bottom(p.domain()).isEmpty()) {
                throw new MeshflException(ErrorCode.PLAN_REFUSED, file + ": model.parameters: no tensor declared for the bottom of " + p.domain()
                        + " (product " + p.productId() + "); declare them as " + p.domain() + "/NAME");
            }
        }
        Set<String> unknown = new TreeSet<>(tensors.bottoms().keySet());
        parts.forEach(p -> unknown.remove(p.domain()));
        if (!unknown.isEmpty()) {
            throw new MeshflException(ErrorCode.PLAN_REFUSED, file + ": model.parameters: " + unknown + " take no part in this job; a tensor's "
                    + "prefix names a party's domain or top");
        }
        if (tensors.top().isEmpty()) {
            throw new MeshflException(ErrorCode.PLAN_REFUSED, file + ": model.parameters: no tensor declared for the top network (top/NAME), "
                    + "which runs on the label holder " + parts.get(0).domain());
        }
        String holder = parts.get(0).domain();
        if (!job.split().labels().equals(holder)) {
            throw new MeshflException(ErrorCode.PLAN_REFUSED, file + ": split.labels: an external split network's top runs on the label holder, "
                    + "which keeps its labels; set split.labels to " + holder + " (it is '" + job.split().labels() + "')");
        }
    }

    /** The plan's line on what runs where and who learns what. */
    static String why(JobSpec job, String holder) {
        return "each domain's trainer " + job.model().trainer() + " runs its bottom network on its own columns, and the top runs in the "
                + "label holder " + holder + "'s trainer: per row " + job.split().cutWidth() + " cut-layer values of each party cross to the "
                + "coordinator, which forwards them side by side to " + holder + " (so " + holder + " learns every party's cut layers, as "
                + "the coordinator does) and returns each party the gradient of its own; no label leaves " + holder;
    }
}
