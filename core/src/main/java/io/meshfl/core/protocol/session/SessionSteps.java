package io.meshfl.core.protocol.session;

/**
 * The steps that open and close every run on a node, whatever its protocol: the submitter's signed
 * job ticket opens the run, carried as blob {@link #TICKET} by the run's first request to the node
 * (or alone, {@link #AUTHORIZE}); when
 * a run goes on under a restarted coordinator, tells each node from which committed round
 * ({@link #RESUME}, config {@code from_round}; only a run the node still holds may resume); when
 * the run has ended tells its outcome with the signed seal of the catalog's chains ({@link #END},
 * config {@code outcome}, blob {@code seal}); on a run that did not succeed the node discards its
 * parts. The node side lives in the node host, which owns the run registry and the audit.
 */
public final class SessionSteps {

    public static final String PROTOCOL = "session";
    public static final String AUTHORIZE = "authorize";
    public static final String END = "end";
    public static final String RESUME = "resume";
    /**
     * Asks a node for its signed word ({@link io.meshfl.core.trust.VersionAttestation}) that it
     * serves its products at their versions now, for the standing ticket of config {@link #STANDING}
     * (its nonce); answered with a blob {@code attestation:PRODUCT} per product of its own.
     */
    public static final String ATTEST = "attest";
    /** The config naming the standing ticket's nonce an attestation is bound to. */
    public static final String STANDING = "standing";
    /** The prefix of the reply blobs of {@link #ATTEST}, followed by the product id. */
    public static final String ATTESTATION = "attestation:";
    /** The blob that carries the signed job ticket. */
    public static final String TICKET = "ticket";
    /** The job spec (its YAML, UTF-8) a training ticket was signed for, carried beside the ticket. */
    public static final String SPEC = "spec";

    private SessionSteps() {
    }
}
