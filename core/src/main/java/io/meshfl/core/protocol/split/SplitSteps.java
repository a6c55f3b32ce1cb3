package io.meshfl.core.protocol.split;

/** The named steps of split neural-network training and inference, and the tensor names they carry. */
public final class SplitSteps {
    public static final String PROTOCOL = "split";
    /** Node loads its aligned rows, fits its column encoding, builds and seeds its bottom network; returns counts only. */
    public static final String SETUP = "setup";
    /** Member of a group: its training rows' column statistics sealed for every other member; the first member also seals a fresh seed. */
    public static final String GROUP_SHARE = "group-share";
    /** Member of a group: encodes its columns by the members' merged statistics and builds the party's bottom network. */
    public static final String GROUP_JOIN = "group-join";
    /** Member of a group: its share of the party's bottom gradient for the pending batch, sealed for every other member. */
    public static final String GROUP_GRAD = "group-grad";
    /** Label holder, only when labels are shared with the coordinator: its labels in aligned order. */
    public static final String LABELS = "labels";
    /** Node applies the cut gradient of its previous batch (if sent), then returns the cut activations of the next batch. */
    public static final String BATCH = "batch";
    /** Node applies the cut gradient of the last batch of an epoch; returns its activation statistics for the epoch. */
    public static final String BACKWARD = "backward";
    /** Label holder that keeps its labels: batch loss and its gradient with respect to the logits the coordinator sent. */
    public static final String LOSS = "loss";
    /**
     * Label holder of an external split network: one training step of its top over the parties' cut
     * layers side by side ({@link #CUTS}); answers the loss and the gradient w.r.t. them ({@link #GRAD}).
     */
    public static final String TOP = "top";
    /** Label holder of an external split network: its top's logits for the parties' cut layers ({@link #CUTS}), no training. */
    public static final String TOP_PREDICT = "top-predict";
    /** Node returns prediction-mode cut activations for a range of its aligned rows. */
    public static final String EVALUATE = "evaluate";
    /** Label holder that keeps its labels: metrics of the logits of all aligned rows. */
    public static final String METRICS = "metrics";
    /** Node keeps its bottom network and column encoding as its part of the model. */
    public static final String SAVE = "save";
    /** Every party keeps its bottom network as it is now: the epoch a job's selection picked so far. */
    public static final String KEEP = "keep";

    /** Protocol of scoring new rows with a trained split network. */
    public static final String INFER_PROTOCOL = "split-infer";
    /** Node loads its saved part and its aligned scoring rows. */
    public static final String PREPARE = "prepare";
    /** First member of a group: a fresh seed for the members' masks, sealed for each other member. */
    public static final String INFER_GROUP_SEED = "group-seed";
    /** Every other member of a group: takes the first member's seed. */
    public static final String INFER_GROUP_JOIN = "group-join";
    /**
     * Requester scoring every row of its product: for each other party, the party's row of each of
     * the requester's rows in a secret shuffled order (its row at its means where it does not know the
     * entity), sealed for that party.
     */
    public static final String ORDER = "order";
    /** Another party scoring every row of the requester's product: opens the requester's order and lines its rows up in it. */
    public static final String REORDER = "reorder";
    /** Node returns prediction-mode cut activations for a range of its aligned scoring rows. */
    public static final String FORWARD = "forward";
    /** Requester writes the probabilities the coordinator computed next to its own entity keys. */
    public static final String COLLECT = "collect";
    /** Node drops what it kept for the scoring job. */
    public static final String FINISH = "finish";

    /** Tensor of cut-layer activations, {@code rows x cutWidth}, row-major. */
    public static final String ACT = "act";
    /** Tensor of the loss gradient with respect to a party's cut-layer output. */
    public static final String GRAD = "grad";
    /** Tensor of the parties' cut layers side by side, {@code rows x (parties * cutWidth)}, row-major. */
    public static final String CUTS = "cuts";
    /** Tensor of the top network's logits. */
    public static final String LOGITS = "logits";
    /** Tensor of the loss gradient with respect to the logits. */
    public static final String DLOGITS = "dlogits";
    /** Tensor of the aligned labels (only ever sent when labels are shared with the coordinator). */
    public static final String LABEL_TENSOR = "labels";
    /** Tensor of predicted probabilities sent to the requester. */
    public static final String PREDICTIONS = "predictions";

    /** Every party: persists its part of the epoch just ended in its own run folder; answers its SHA-256. */
    public static final String CHECKPOINT = "checkpoint";

    private SplitSteps() {
    }
}
