package io.meshfl.core.protocol;

/**
 * The node side of one protocol: answers the steps of that protocol against the node's own
 * data. Registered with the node host by name; the host routes every incoming message whose
 * {@code protocol} matches.
 */
public interface NodeProtocol {

    /** The protocol name carried in {@link Message#protocol()}. */
    String name();

    /** Answers one step. May throw; the host turns exceptions into error replies. */
    Message handle(Message request, NodeContext context);
}
