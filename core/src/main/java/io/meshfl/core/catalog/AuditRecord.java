package io.meshfl.core.catalog;

import java.time.Instant;

/**
 * One message that crossed a domain boundary: which step of which run sent how many bytes from
 * whom to whom, under which protection (for example {@code plaintext}, {@code tls},
 * {@code paillier}, {@code secagg}), and the message's per-run sequence number ({@code msgSeq},
 * the number the receiving node checks and keeps in its own audit; 0 when unknown). {@code seq} is
 * assigned by the catalog; 0 before insertion.
 */
public record AuditRecord(long seq, Instant at, String jobId, String runId, String step, String sender,
                          String receiver, long bytes, String protection, long msgSeq) {

    /** A record without a message sequence number. */
    public AuditRecord(long seq, Instant at, String jobId, String runId, String step, String sender, String receiver, long bytes,
                       String protection) {
        this(seq, at, jobId, runId, step, sender, receiver, bytes, protection, 0);
    }

    /** A record not yet logged (no sequence number). */
    public static AuditRecord of(Instant at, String jobId, String runId, String step, String sender, String receiver,
                                 long bytes, String protection) {
        return new AuditRecord(0, at, jobId, runId, step, sender, receiver, bytes, protection, 0);
    }

    /** A record of message {@code msgSeq} of a run, not yet logged. */
    public static AuditRecord of(Instant at, String jobId, String runId, String step, String sender, String receiver,
                                 long bytes, String protection, long msgSeq) {
        return new AuditRecord(0, at, jobId, runId, step, sender, receiver, bytes, protection, msgSeq);
    }

    /** The fields the chain hashes, in a fixed order. */
    Object[] chained() {
        return new Object[]{seq, at, jobId, runId, step, sender, receiver, msgSeq, bytes, protection};
    }
}
