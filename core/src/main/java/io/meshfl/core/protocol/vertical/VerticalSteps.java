package io.meshfl.core.protocol.vertical;

/** The named steps of vertical linear models with a Paillier arbiter (the coordinator). */
public final class VerticalSteps {
    public static final String PROTOCOL = "vertical";
    /** Node loads its aligned rows, standardizes its own columns, takes the arbiter's public key; returns its sealing key. */
    public static final String SETUP = "setup";
    /** Node learns the other parties' sealing keys. */
    public static final String PEERS = "peers";
    /** Group member: its column sums sealed for each other member, and from the first member the members' secret seed. */
    public static final String GROUP_SHARE = "group-share";
    /** Group member: scales its columns by the party's merged sums and takes the members' seed. */
    public static final String GROUP_JOIN = "group-join";
    /** Host: encrypted partial scores of a mini-batch, sealed for the guest. */
    public static final String FORWARD = "forward";
    /** Guest: encrypted residuals from its labels and all partial scores, sealed for each host; its own masked encrypted gradient. */
    public static final String RESIDUAL = "residual";
    /** Host: its masked encrypted gradient from the encrypted residuals. */
    public static final String GRADIENT = "gradient";
    /** Every party: removes its mask from the arbiter's decryption and updates its own weights. */
    public static final String UPDATE = "update";
    /** Host: plain partial scores of all aligned rows, sealed for the guest (evaluation and inference). */
    public static final String SCORE = "score";
    /** Guest: metrics over the aligned rows from its own and the hosts' partial scores. */
    public static final String EVALUATE = "evaluate";
    /** Every party: keeps its weights of the epoch just ended as the selected epoch's (best-round selection). */
    public static final String KEEP = "keep";
    /** Every party: persists its part of the epoch just ended in its own run folder; answers its SHA-256. */
    public static final String CHECKPOINT = "checkpoint";
    /** Every party: keeps its part of the model under a model id. */
    public static final String SAVE = "save";

    private VerticalSteps() {
    }
}
