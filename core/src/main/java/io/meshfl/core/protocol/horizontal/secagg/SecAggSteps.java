package io.meshfl.core.protocol.horizontal.secagg;

/**
 * The steps of a secure-aggregation round inside the horizontal protocol, one per SecAgg+ stage
 * ({@link io.meshfl.core.crypto.secagg.SecAggStage}), and the config keys every stage message
 * carries. The round id travels in each request and each reply so that a message of an earlier
 * round is refused on both sides.
 */
public final class SecAggSteps {

    /** Coordinator announces the round's public parameters; node answers with its two public keys. */
    public static final String SETUP = "secagg_setup";
    /** Coordinator relays the neighbours' keys; node answers with one sealed bundle of Shamir shares per neighbour. */
    public static final String SHARE_KEYS = "secagg_share_keys";
    /** Coordinator relays the bundles addressed to the node and the global parameters; node trains and answers with its masked update. */
    public static final String COLLECT_MASKED = "secagg_collect_masked";
    /** Coordinator names survivors and drop-outs; node reveals one share per peer: self-seed shares of survivors, key shares of drop-outs. */
    public static final String UNMASK = "secagg_unmask";

    /** Config key of the round id (run, round and a fresh nonce), in every request and reply. */
    static final String ROUND_ID = "secagg_round";

    private SecAggSteps() {
    }

    /** Whether {@code step} is one of these. */
    public static boolean isSecAgg(String step) {
        return step.startsWith("secagg_");
    }
}
