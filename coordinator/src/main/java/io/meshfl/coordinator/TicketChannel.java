package io.meshfl.coordinator;

import io.meshfl.core.protocol.ForwardingChannel;
import io.meshfl.core.protocol.Message;
import io.meshfl.core.protocol.NodeChannel;
import io.meshfl.core.protocol.session.SessionSteps;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * A node channel that opens the run on its node with the run's first protocol request: the
 * submitter's signed job ticket rides on every request until the node has answered one without
 * an error, so the node checks the ticket (signature, versions, grants, nonce) before it serves
 * that request, and the run pays no separate round trip to open. Requests sent at once before the
 * first answer all carry it; the node authorizes the first and lets the others join the same
 * authorization (same ticket bytes), or refuses them all with its reason.
 */
final class TicketChannel extends ForwardingChannel {

    /** The least time the request that opens the run on a node is given. */
    static final Duration OPENING = Duration.ofSeconds(60);

    private final byte[] ticket;
    private final byte[] spec;
    private volatile boolean accepted;
    private volatile boolean presented;

    TicketChannel(NodeChannel inner, byte[] ticket, byte[] spec) {
        super(inner);
        this.ticket = ticket;
        this.spec = spec;
    }

    /** Wraps every channel of {@code channels} (in the same order) to carry {@code ticket}. */
    static Map<String, NodeChannel> wrapAll(Map<String, NodeChannel> channels, byte[] ticket) {
        return wrapAll(channels, ticket, null);
    }

    /**
     * Wraps every channel to carry {@code ticket} and beside it {@code spec}, the job spec a training
     * ticket was signed for, against which each node checks the run's settings.
     */
    static Map<String, NodeChannel> wrapAll(Map<String, NodeChannel> channels, byte[] ticket, String spec) {
        byte[] bytes = spec == null ? null : spec.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        Map<String, NodeChannel> out = new java.util.LinkedHashMap<>();
        channels.forEach((d, c) -> out.put(d, new TicketChannel(c, ticket, bytes)));
        return out;
    }

    /** Whether the ticket reached (or may have reached) this node: the run must be ended there. */
    static boolean presented(NodeChannel c) {
        return !(c instanceof TicketChannel t) || t.presented;
    }

    @Override
    public Message call(Message request, Duration timeout) {
        if (accepted || request.protocol().equals(SessionSteps.PROTOCOL)) return inner.call(request, timeout);
        Map<String, byte[]> blobs = new HashMap<>(request.blobs());
        blobs.put(SessionSteps.TICKET, ticket);
        if (spec != null) blobs.put(SessionSteps.SPEC, spec);
        presented = true;
        // the node opens the run before it serves this request (its first signature checks may be cold), as the
        // separate authorize call did under its own minute: a step timeout of seconds must not fail a run there
        Message reply = inner.call(request.withBlobs(blobs), timeout.compareTo(OPENING) < 0 ? OPENING : timeout);
        if (!reply.failed()) accepted = true;
        return reply;
    }
}
