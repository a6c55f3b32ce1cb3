package io.meshfl.stream.join;

import io.meshfl.core.MeshflException;
import io.meshfl.core.crypto.psi.Blinder;
import io.meshfl.core.crypto.psi.PsiKey;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

import java.nio.ByteBuffer;

/**
 * The follower's first step on the leader-ids topic: only what the leader sealed goes on to the
 * join. An id record goes on under its join key (the leader's hash itself, or, in a blinded join,
 * the hash of the leader's point blinded again with the follower's scalar), an end mark as the
 * number of the partition it ends; anything else (a record someone else wrote, changed, moved to
 * another partition, or a point of small order) is refused and counted.
 */
final class OpenLeaderIds implements Processor<Bytes, byte[], Bytes, byte[]> {

    /** This step's count of refused records, per partition of the leader-ids topic. */
    static final String COUNTS = "leader-ids-opened";
    static final String REFUSED = "refused";

    private final JoinSpec spec;
    private final JoinKey key;
    private final PsiKey blindingKey;
    private ProcessorContext<Bytes, byte[]> context;
    private KeyValueStore<String, Long> counts;
    private JoinKey.Sealer sealer;
    /** The other way's sealer once a record was refused (empty: there is no other way); null before. */
    private java.util.Optional<JoinKey.Sealer> otherWay;
    private Blinder blinder;

    /** {@code blindingKey}: the follower's scalar in a blinded join, null in a hashed one. */
    OpenLeaderIds(JoinSpec spec, JoinKey key, PsiKey blindingKey) {
        this.spec = spec;
        this.key = key;
        this.blindingKey = blindingKey;
    }

    @Override
    public void init(ProcessorContext<Bytes, byte[]> context) {
        this.context = context;
        this.counts = context.getStateStore(COUNTS);
        this.sealer = key.sealer();
        this.blinder = blindingKey == null ? null : IdBlinding.blinder(blindingKey);
    }

    @Override
    public void process(Record<Bytes, byte[]> r) {
        byte[] k = r.key() == null ? null : r.key().get();
        int partition = context.recordMetadata().orElseThrow().partition();
        if (k == null || k.length == 0) {
            // an empty key is the leader's mark that its input ended; only its sealed mark for this very partition counts
            if (!sealer.isEndMark(r.value(), partition)) {
                refuse(other -> other.isEndMark(r.value(), partition));
                return;
            }
            context.forward(r.withKey(Bytes.wrap(new byte[0]))
                    .withValue(IntervalJoin.tag(IntervalJoin.END, ByteBuffer.allocate(4).putInt(partition).array())));
            return;
        }
        int keyLength = blinder == null ? JoinKey.HASH_BYTES : 32;
        byte[] opened = k.length != keyLength ? null : sealer.open(k, r.value());
        if (opened == null || opened.length != Values.LeaderId.BYTES) {
            refuse(other -> other.open(k, r.value()) != null);
            return;
        }
        byte[] joinKey = k;
        if (blinder != null) {
            try {
                joinKey = IdBlinding.joinHash(blinder.reblind(k), 0);
            } catch (MeshflException e) {
                // a point of small order: the leader's scalar cannot have made it
                refuse();
                return;
            }
        }
        // the partition it came through goes with it: a join task fed by several keeps a watermark per partition
        byte[] value = ByteBuffer.allocate(4 + opened.length).putInt(partition).put(opened).array();
        context.forward(r.withKey(Bytes.wrap(joinKey)).withValue(IntervalJoin.tag(IntervalJoin.LEADER, value)));
    }

    private void refuse() {
        JoinApps.count(counts, REFUSED, 1);
    }

    /** Refuses a record, and stops the join when the leader sealed it for the other way of comparing ids. */
    private void refuse(java.util.function.Predicate<JoinKey.Sealer> opensTheOtherWay) {
        // one sealer of the other way for the processor's life: a flood of forged records costs one HMAC each, no new instance
        if (otherWay == null) otherWay = java.util.Optional.ofNullable(key.otherWaySealer());
        String mismatch = key.otherWayProblem(otherWay.orElse(null), opensTheOtherWay);
        if (mismatch != null) throw new IllegalStateException(mismatch);
        refuse();
    }
}
