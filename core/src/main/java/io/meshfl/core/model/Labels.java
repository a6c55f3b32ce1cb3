package io.meshfl.core.model;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;

/** What a label of each kind of target may be: the one check every trainer and label holder makes. */
public final class Labels {

    private Labels() {
    }

    /**
     * What a label of {@code task} must be when {@code v} is not one, or null when it is: binary
     * labels are 0 or 1, multiclass labels the class numbers 0 .. classes - 1, counts non-negative,
     * every label finite. The text never quotes {@code v}: it may cross a domain boundary.
     */
    public static String problem(ModelSpec.Task task, int classes, double v) {
        if (!Double.isFinite(v)) return "must be a finite number";
        return switch (task) {
            case BINARY -> v == 0 || v == 1 ? null : "must be 0 or 1 for a binary objective";
            case MULTICLASS -> v == Math.rint(v) && v >= 0 && v < classes ? null
                    : "must be a class number 0.." + (classes - 1) + " for a multiclass objective with " + classes + " classes";
            case REGRESSION -> null;
            case COUNT -> v >= 0 ? null : "must be a non-negative count for a count objective";
        };
    }

    /**
     * Refuses the first of {@code y} that cannot be a label of {@code task}: the error names
     * {@code what} (product and label column) and the row ({@code rows}: "aligned row", "row"); the
     * value itself stays in the error's local detail, for the node's log only.
     */
    public static void check(ModelSpec.Task task, int classes, double[] y, String what, String rows) {
        for (int i = 0; i < y.length; i++) {
            String bad = problem(task, classes, y[i]);
            if (bad != null) {
                throw new MeshflException(ErrorCode.DATA_BAD_VALUE, what + " " + bad + "; " + rows + " " + (i + 1) + " is not")
                        .withLocalDetail(rows + " " + (i + 1) + " of " + what + " holds " + y[i]);
            }
        }
    }
}
