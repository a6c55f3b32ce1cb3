package io.meshfl.stream.join;

import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;


/**
 * The follower's side of a blinded join, after the leader: takes each batch back blinded by both
 * parties, opens its seal (only the leader's records open), and forwards each held event of the
 * batch, in the order it was sent, under the join hash of its point, on to the join. A batch
 * that does not open, names a block not sent from this partition, or holds a different number of
 * points is refused and counted; a batch seen twice finds its events gone and forwards nothing.
 */
final class Unblind implements Processor<Bytes, byte[], Bytes, byte[]> {

    /** This step's count of refused batches ("refused"), read by {@link StreamParty}. */
    static final String COUNTS = "unblind-counts";
    static final String REFUSED = "refused";

    private final JoinKey key;
    private ProcessorContext<Bytes, byte[]> context;
    private KeyValueStore<Bytes, byte[]> pending;
    private KeyValueStore<Bytes, byte[]> batches;
    private KeyValueStore<String, Long> counts;
    private JoinKey.Sealer sealer;

    Unblind(JoinKey key) {
        this.key = key;
    }

    @Override
    public void init(ProcessorContext<Bytes, byte[]> context) {
        this.context = context;
        this.pending = context.getStateStore(BlindBatches.PENDING);
        this.batches = context.getStateStore(BlindBatches.BATCHES);
        this.counts = context.getStateStore(COUNTS);
        this.sealer = key.sealer();
    }

    @Override
    public void process(Record<Bytes, byte[]> r) {
        byte[] k = r.key() == null ? null : r.key().get();
        IdBlinding.BatchId id = IdBlinding.BatchId.decode(k);
        byte[] points = id == null ? null : sealer.open(JoinKey.Sealer.REBLINDED, k, r.value());
        int partition = context.recordMetadata().orElseThrow().partition();
        if (points == null || id.partition() != partition) {
            JoinApps.count(counts, REFUSED, 1);
            return;
        }
        byte[] b = batches.get(Bytes.wrap(IdBlinding.batchKey(id.partition(), id.block())));
        BlindBatches.Batch batch = b == null ? null : BlindBatches.Batch.decode(b);
        int expected = batch == null ? -1 : Math.min(IdBlinding.BATCH_POINTS, batch.size() - id.firstSeq());
        if (batch == null || !batch.sent() || expected <= 0 || points.length != expected * 32) {
            JoinApps.count(counts, REFUSED, 1);
            return;
        }
        for (int i = 0; i < expected; i++) {
            Bytes pk = Bytes.wrap(IdBlinding.pendingKey(id.partition(), id.block(), id.firstSeq() + i));
            byte[] held = pending.get(pk);
            if (held == null) continue;
            byte[] event = IdBlinding.Held.event(held);
            context.forward(new Record<>(Bytes.wrap(IdBlinding.joinHash(points, i * 32)), event, Bucket.timeOf(event)));
            pending.delete(pk);
        }
    }
}
