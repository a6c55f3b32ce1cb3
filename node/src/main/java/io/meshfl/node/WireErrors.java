package io.meshfl.node;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.protocol.Message;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.function.Consumer;

/**
 * The node's last line before the wire: what a failure raised while serving a request may say to
 * the coordinator, and what only the node's log may hear. A {@link MeshflException} says its own
 * message, which names product, column and line but no value or path; any other exception
 * (a NumberFormatException quoting a cell, a driver's message quoting a path) says only that
 * the node failed, with an incident id. Either way the full story (local detail, the
 * exception's text and its stack trace) goes to the node's log under that incident id.
 */
final class WireErrors {

    private static final SecureRandom RANDOM = new SecureRandom();
    /** Causes followed at most: a chain built with initCause can loop. */
    private static final int MAX_CAUSES = 16;

    private WireErrors() {
    }

    /**
     * The exception to answer {@code req} with: {@code e} itself when it is a MeshflException (or
     * the MeshflException it wraps), else a NODE_FAILURE that names only the domain and the
     * incident. Logs the detail to {@code log} under the incident id.
     */
    static MeshflException wireSafe(Message req, String domain, RuntimeException e, Consumer<String> log) {
        String incident = incidentId();
        MeshflException own = firstMeshfl(e);
        MeshflException safe = own != null ? own
                : new MeshflException(ErrorCode.NODE_FAILURE, "internal error in the node of domain " + domain + " (incident "
                        + incident + "; details in the node's log)");
        StringBuilder line = new StringBuilder("incident ").append(incident).append(": ").append(req.protocol()).append('/')
                .append(req.step()).append(" of job ").append(req.jobId()).append(" run ").append(req.runId())
                .append(" from ").append(req.sender()).append(" failed; replied ").append(safe);
        // A protocol may wrap the reader's exception in its own: every local detail in the chain is logged.
        int depth = 0;
        for (Throwable t = e; t != null && depth++ < MAX_CAUSES; t = t.getCause()) {
            if (t instanceof MeshflException m && m.localDetail() != null) line.append("\n  local detail: ").append(m.localDetail());
        }
        // A MeshflException of its own making says everything in its message and detail; anything
        // else, or one wrapping an engine's exception, needs its trace to be found.
        if (!(e instanceof MeshflException) || e.getCause() != null) {
            StringWriter trace = new StringWriter();
            e.printStackTrace(new PrintWriter(trace));
            line.append("\n  ").append(trace.toString().stripTrailing());
        }
        try {
            log.accept(line.toString());
        } catch (RuntimeException logFailed) {
            // A failing log must not turn a safe reply into an unsafe one.
        }
        return safe;
    }

    /**
     * {@code e} if it is a MeshflException, else the first one it wraps (a CompletionException
     * around a read failure, say), whose message is wire-safe where the wrapper's may not be; or null.
     */
    private static MeshflException firstMeshfl(Throwable e) {
        int depth = 0;
        for (Throwable t = e; t != null && depth++ < MAX_CAUSES; t = t.getCause()) {
            if (t instanceof MeshflException m) return m;
        }
        return null;
    }

    /** The error reply to {@code req} from {@code self} for failure {@code e}; see {@link #wireSafe}. */
    static Message reply(Message req, String self, String domain, RuntimeException e, Consumer<String> log) {
        MeshflException safe = wireSafe(req, domain, e, log);
        return req.failure(self, safe.code(), safe.getMessage());
    }

    /** Eight hex digits: enough to find one incident in a node's log, and says nothing about the data. */
    static String incidentId() {
        byte[] b = new byte[4];
        RANDOM.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }
}
