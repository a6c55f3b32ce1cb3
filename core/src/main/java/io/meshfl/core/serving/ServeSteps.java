package io.meshfl.core.serving;

/** The steps of online serving between the coordinator and a party's node, and the protocols that take them. */
public final class ServeSteps {

    /** The protocol of vertical linear models: the requester sums the parties' partial scores. */
    public static final String PROTOCOL = "vertical-serve";
    /** The protocol of boosted trees: the hosts' split bits sealed for the guest, which walks the trees. */
    public static final String BOOST = "secureboost-serve";
    /** The protocol of split networks: the parties' cut layers to the coordinator's top network. */
    public static final String SPLIT = "split-serve";
    /** The protocol of horizontal models: the requester's own node scores its own rows with the whole model. */
    public static final String HORIZONTAL = "horizontal-serve";

    /** Load the model part, prepare a block per own row once and answer a sealing key. */
    public static final String PREPARE = "prepare";
    /** The sealing keys of other parties' nodes this one seals for or opens from. */
    public static final String PEERS = "peers";
    /** Open the session key the requester sealed for this party and index the own rows by it. */
    public static final String KEY = "key";
    /** Answer the blocks of the blinded keys this party knows, sealed as the served model routes them. */
    public static final String LOOKUP = "lookup";
    /** The finishing party: open the others' blocks, finish the scores and seal them for the requester. */
    public static final String FINISH = "finish";
    /** Drop the session. */
    public static final String CLOSE = "close";
    /** The cut activations a split network's party answers the coordinator. */
    public static final String ACT = "act";
    /** The parties' cut layers side by side, handed to the label holder whose external trainer runs the top. */
    public static final String CUTS = "cuts";
    /** The top's outputs the label holder's trainer answers. */
    public static final String LOGITS = "logits";

    private ServeSteps() {
    }

    /** The context a party's answer to one call is sealed under: the session, the call and the party. */
    public static String context(String session, String call, String domain) {
        return session + "/serve/" + call + "/" + domain;
    }

    /** The context of a party's blocks sealed for the finishing party {@code finisher}. */
    public static String toFinisher(String context, String finisher) {
        return context + "/to/" + finisher;
    }

    /** The context of a party's coverage flags sealed for the requester beside blocks the coordinator reads. */
    public static String flags(String context) {
        return context + "/flags";
    }

    /** The context of the finished predictions sealed for the requester. */
    public static String fin(String context) {
        return context + "/final";
    }

    /** The context of the session key sealed for {@code domain}. */
    public static String keyContext(String session, String domain) {
        return session + "/serve-key/" + domain;
    }
}
