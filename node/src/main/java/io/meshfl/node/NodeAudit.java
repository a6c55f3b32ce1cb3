package io.meshfl.node;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.meshfl.core.protocol.Message;
import io.meshfl.core.trust.Journal;

/**
 * The node's own audit of what it served: one hash-chained journal entry per request (run, job,
 * step, the coordinator's message number, the identity that called, payload bytes in and out, and
 * whether it was served or refused), so a domain can prove what left it whatever the coordinator's
 * catalog says, and {@code meshfl audit verify --node-audit} can cross-check the two. The seals
 * the coordinator sends at the end of runs are kept in the run registry beside it.
 */
final class NodeAudit {

    private final Journal journal;
    private final String domain;

    NodeAudit(Journal journal, String domain) {
        this.journal = journal;
        this.domain = domain;
    }

    /** Notes one request and its reply (null when it was refused with an exception). */
    void served(Message req, Message reply, String outcome, String caller) {
        ObjectNode e = JsonNodeFactory.instance.objectNode().put("kind", "served").put("domain", domain).put("run", req.runId()).put("job", req.jobId())
                .put("step", req.protocol() + "/" + req.step()).put("msg_seq", req.sequence()).put("from", caller == null ? req.sender() : caller)
                .put("bytes_in", req.payloadBytes()).put("bytes_out", reply == null ? 0 : reply.payloadBytes()).put("outcome", outcome);
        // written through to the file, not forced: the run registry forces what must survive a crash (used nonces)
        journal.append(e, false);
    }
}
