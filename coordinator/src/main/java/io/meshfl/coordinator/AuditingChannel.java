package io.meshfl.coordinator;

import io.meshfl.core.catalog.AuditRecord;
import io.meshfl.core.catalog.Catalog;
import io.meshfl.core.protocol.ForwardingChannel;
import io.meshfl.core.protocol.Message;
import io.meshfl.core.protocol.NodeChannel;
import io.meshfl.core.protocol.WireProtection;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * A node channel that notes every message crossing it, both ways, for the catalog's audit log:
 * job, run, protocol step, sender, receiver, payload bytes and {@link WireProtection}. Notes are
 * buffered in memory and written in batches, so auditing does not add a database write per call.
 */
final class AuditingChannel extends ForwardingChannel {

    private final ConcurrentLinkedQueue<AuditRecord> pending;
    private final String transport;
    private final java.util.concurrent.atomic.AtomicLong sequence = new java.util.concurrent.atomic.AtomicLong();

    AuditingChannel(NodeChannel inner, ConcurrentLinkedQueue<AuditRecord> pending, String transport, long after) {
        super(inner);
        this.pending = pending;
        this.transport = transport;
        this.sequence.set(after);
    }

    /** Wraps {@code channel}, noting into {@code pending}; {@code transport} names what carries the messages. */
    static NodeChannel wrap(NodeChannel channel, ConcurrentLinkedQueue<AuditRecord> pending, String transport) {
        return wrap(channel, pending, transport, 0);
    }

    /** As {@link #wrap(NodeChannel, ConcurrentLinkedQueue, String)}, numbering messages from {@code after + 1}. */
    static NodeChannel wrap(NodeChannel channel, ConcurrentLinkedQueue<AuditRecord> pending, String transport, long after) {
        return new AuditingChannel(channel, pending, transport, after);
    }

    @Override
    public Message call(Message request, Duration timeout) {
        // numbered here, per run and node: the number the node checks for replays and keeps in its own audit
        Message numbered = request.sequence() > 0 ? request : request.withSequence(sequence.incrementAndGet());
        note(numbered, "coordinator", inner.domain(), numbered.sequence());
        long t0 = System.nanoTime();
        Message reply = inner.call(numbered, timeout);
        MeshMetrics.step(numbered.protocol(), numbered.step(), System.nanoTime() - t0, numbered.payloadBytes() + reply.payloadBytes());
        if (reply.failed() && reply.error().code() == io.meshfl.core.ErrorCode.POLICY_VIOLATION) MeshMetrics.violation(inner.domain());
        note(reply, inner.domain(), "coordinator", numbered.sequence());
        return reply;
    }

    private void note(Message m, String from, String to, long msgSeq) {
        String protection = WireProtection.of(m) + " | " + transport;
        // the catalog column holds 200 characters; a longer label must not fail the run it describes
        if (protection.length() > 200) protection = protection.substring(0, 197) + "...";
        pending.add(AuditRecord.of(Instant.now(), m.jobId(), m.runId(), m.protocol() + "/" + m.step(), from, to, m.payloadBytes(),
                protection, msgSeq));
    }

    /** Writes what is pending to the catalog; returns how many records. */
    static int flush(Catalog catalog, ConcurrentLinkedQueue<AuditRecord> pending) {
        return catalog.auditBatch(drain(pending));
    }

    /**
     * Hands what is pending to {@code commit}, which writes it with something else in one
     * transaction; if that fails the records go back to {@code pending}, for the next flush.
     */
    static void withPending(ConcurrentLinkedQueue<AuditRecord> pending, java.util.function.Consumer<List<AuditRecord>> commit) {
        List<AuditRecord> batch = drain(pending);
        try {
            commit.accept(batch);
        } catch (RuntimeException e) {
            pending.addAll(batch);
            throw e;
        }
    }

    private static List<AuditRecord> drain(ConcurrentLinkedQueue<AuditRecord> pending) {
        List<AuditRecord> batch = new ArrayList<>();
        for (AuditRecord r; (r = pending.poll()) != null; ) batch.add(r);
        return batch;
    }
}
