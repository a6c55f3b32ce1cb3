package io.meshfl.core.catalog;

import java.time.Instant;

/**
 * One message that crossed a domain boundary: which step of which run sent how many bytes from
 * whom to whom, under which protection (for example {@code plaintext}, {@code tls},
 * {@code paillier}, {@code secagg}). {@code seq} is assigned by the catalog; 0 before insertion.
 */
public record AuditRecord(long seq, Instant at, String jobId, String runId, String step, String sender,
                          String receiver, long bytes, String protection) {

    /** A record not yet logged (no sequence number). */
    public static AuditRecord of(Instant at, String jobId, String runId, String step, String sender, String receiver,
                                 long bytes, String protection) {
        return new AuditRecord(0, at, jobId, runId, step, sender, receiver, bytes, protection);
    }
}
