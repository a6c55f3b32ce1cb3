package io.meshfl.core.protocol.boost;

/** The named steps of vertical boosted trees (SecureBoost) and of their inference. */
public final class BoostSteps {
    public static final String PROTOCOL = "secureboost";
    /** Every party: load own aligned columns and fit its quantile bins; the guest also makes the Paillier key and checks labels. */
    public static final String SETUP = "setup";
    /** Every party: learn the peers' sealing keys; hosts also get the guest's Paillier public key. */
    public static final String PEERS = "peers";
    /** Member of a group: a sketch of its columns sealed for every other member; the first member also seals a fresh seed for each. */
    public static final String GROUP_SHARE = "group-share";
    /** Member of a group: bins its rows by the members' merged sketches and keeps the first member's seed. */
    public static final String GROUP_JOIN = "group-join";
    /** Guest: gradients of a new tree, encrypted one ciphertext per row and sealed per host, plus the root assignment. */
    public static final String GRADIENTS = "gradients";
    /** Host: encrypted per-bin sums of its own features for the nodes the guest asked about. */
    public static final String HISTOGRAM = "histogram";
    /** Guest: decrypt host sums, add its own, pick each node's best split; sealed instructions to hosts whose split won. */
    public static final String SPLIT = "split";
    /** Host: keep the winning threshold under a record id, say which rows of the node go left. */
    public static final String PARTITION = "partition";
    /** Guest: apply host partitions; either assign the next level's nodes or finish the tree with its metrics. */
    public static final String ASSIGN = "assign";
    /** Every party: keep its model part under the run id. */
    public static final String SAVE = "save";

    /** Inference protocol name. */
    public static final String INFER_PROTOCOL = "secureboost-infer";
    /** Every scoring party: load its model part and its aligned scoring rows. */
    public static final String INFER_PREPARE = "prepare";
    /** First member of a group: a fresh seed for the members' masks, sealed for each other member. */
    public static final String INFER_GROUP_SEED = "group-seed";
    /** Every other member of a group: takes the first member's seed. */
    public static final String INFER_GROUP_JOIN = "group-join";
    /** Host: left/right bits of every own split record on every aligned row, sealed for the guest. */
    public static final String INFER_BITS = "bits";
    /** Guest: walk the trees with those bits and write the predictions. */
    public static final String INFER_COLLECT = "collect";

    /** Every party: persists its part of the trees so far in its own run folder; answers its SHA-256. */
    public static final String CHECKPOINT = "checkpoint";

    private BoostSteps() {
    }
}
