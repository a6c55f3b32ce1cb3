package io.meshfl.core.serving;

/** The steps of online serving between the coordinator and a party's node. */
public final class ServeSteps {

    /** The protocol name nodes register; a scoring use of a vertical model's products. */
    public static final String PROTOCOL = "vertical-serve";
    /** Load the model part, score every own row once and answer a sealing key. */
    public static final String PREPARE = "prepare";
    /** Open the session key the requester sealed for this party and index the own rows by it. */
    public static final String KEY = "key";
    /** Answer the partial scores of the blinded keys this party knows, sealed for the requester. */
    public static final String LOOKUP = "lookup";
    /** Drop the session. */
    public static final String CLOSE = "close";

    private ServeSteps() {
    }

    /** The context a party's answer to one call is sealed under: the session, the call and the party. */
    public static String context(String session, String call, String domain) {
        return session + "/serve/" + call + "/" + domain;
    }

    /** The context of the session key sealed for {@code domain}. */
    public static String keyContext(String session, String domain) {
        return session + "/serve-key/" + domain;
    }
}
