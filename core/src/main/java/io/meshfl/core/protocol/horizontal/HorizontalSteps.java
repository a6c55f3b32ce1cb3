package io.meshfl.core.protocol.horizontal;

/** The named steps of the horizontal protocol, in the order a run uses them. */
public final class HorizontalSteps {
    public static final String PROTOCOL = "horizontal";
    /** Node loads its product, splits a holdout, returns per-column sums for federated scaling. */
    public static final String PREPARE = "prepare";
    /** Coordinator sends the federated mean and std; node standardizes its rows locally. */
    public static final String SCALE = "scale";
    /** Node trains from the global parameters and returns its update. */
    public static final String FIT = "fit";
    /** Node scores the global parameters on its held-out or test rows and returns mergeable sums. */
    public static final String EVALUATE = "evaluate";
    /** Node drops the job's state. */
    public static final String FINISH = "finish";

    private HorizontalSteps() {
    }
}
