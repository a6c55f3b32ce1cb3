package io.meshfl.stream.join;

import io.meshfl.core.MeshflException;
import io.meshfl.core.crypto.psi.Blinder;
import io.meshfl.core.crypto.psi.PsiKey;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The leader's side of a blinded join for the follower's ids: each batch the follower sealed is
 * blinded again with the leader's scalar and sealed back, in the same order. A batch that does not
 * open under the job's key is refused and counted: without that, anyone who can read the
 * leader-ids topic and write to this one could blind guessed ids of its own here and compare them
 * with the leader's. The leader counts the points it blinded per block of event time, so it sees
 * how much the follower asks of it; the follower's sealed end marks say when it will ask no more.
 */
final class Reblind implements Processor<Bytes, byte[], Bytes, byte[]> {

    /** Counts per partition of the follower-blinded topic: "refused", "points", "ended", "points-<block>". */
    static final String COUNTS = "reblind-counts";
    static final String REFUSED = "refused";
    static final String POINTS = "points";
    static final String ENDED = "ended";

    private final PsiKey blindingKey;
    private final JoinKey key;
    private ProcessorContext<Bytes, byte[]> context;
    private KeyValueStore<String, Long> counts;
    private JoinKey.Sealer sealer;
    private Blinder blinder;

    Reblind(PsiKey blindingKey, JoinKey key) {
        this.blindingKey = blindingKey;
        this.key = key;
    }

    @Override
    public void init(ProcessorContext<Bytes, byte[]> context) {
        this.context = context;
        this.counts = context.getStateStore(COUNTS);
        this.sealer = key.sealer();
        this.blinder = IdBlinding.blinder(blindingKey);
    }

    @Override
    public void process(Record<Bytes, byte[]> r) {
        byte[] k = r.key() == null ? null : r.key().get();
        int partition = context.recordMetadata().orElseThrow().partition();
        if (k == null || k.length == 0) {
            if (sealer.isFollowerEndMark(r.value(), partition)) counts.put(ENDED, 1L);
            else add(REFUSED, 1);
            return;
        }
        IdBlinding.BatchId id = IdBlinding.BatchId.decode(k);
        byte[] points = id == null ? null : sealer.open(JoinKey.Sealer.BATCH, k, r.value());
        if (points == null || id.partition() != partition || points.length == 0 || points.length % 32 != 0
                || points.length > IdBlinding.BATCH_POINTS * 32) {
            add(REFUSED, 1);
            return;
        }
        byte[] out;
        try {
            out = blinder.reblind(points);
        } catch (MeshflException e) {
            add(REFUSED, 1);
            return;
        }
        add(POINTS, points.length / 32);
        add(POINTS + "-" + id.block(), points.length / 32);
        context.forward(r.withValue(sealer.seal(JoinKey.Sealer.REBLINDED, k, out)));
    }

    private void add(String what, long n) {
        JoinApps.count(counts, what, n);
    }
}
