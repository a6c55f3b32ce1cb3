package io.meshfl.stream.join;

import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The follower's windowed join of the leader's hashed ids with its own events, on Kafka Streams
 * state stores (changelogged, so exactly-once processing restores them after a crash). A follower
 * event at time t matches a leader id with the same hash at time L when L <= t <= L + within; each
 * pair is emitted once, when the second of the two arrives. Each side's progress is its watermark:
 * the oldest of the newest event times of its source partitions (an event behind its own
 * partition's newest by more than the watermark delay was already dropped as late at the source,
 * and {@code skew} bounds that delay). What a side has stored is kept until the other side's
 * watermark has passed any time that could still match it, so one side running far ahead of the
 * other, or one partition far ahead of another, costs memory, not matches. Each time the task's
 * watermark (the older of the two) enters a new block, the task says so on the matches topic, which
 * is how the block writer knows a block is complete. An event whose window reaches into state
 * already let go is counted as dropped by the join (expected 0), never missed silently.
 */
final class IntervalJoin implements Processor<Bytes, byte[], Long, byte[]> {

    static final String LEADER_IDS = "join-leader-ids";
    static final String FOLLOWER_EVENTS = "join-follower-events";
    static final String EXPIRY = "join-expiry";
    static final String CLOCK = "join-clock";

    static final byte LEADER = 0;
    static final byte FOLLOWER = 1;
    static final byte END = 2;

    static final String ENDED = "leader-ended";
    static final String DROPPED = "dropped";
    private static final String REPORTED = "reported-block";
    private static final String LEADER_GONE = "leader-expired-through";
    private static final String FOLLOWER_GONE = "follower-expired-through";
    private static final long NONE = Long.MIN_VALUE / 4;

    private final JoinSpec spec;
    private final long withinMs;
    private final long skewMs;
    private final int leaderPartitions;
    private final int followerPartitions;
    private ProcessorContext<Long, byte[]> context;
    private KeyValueStore<Bytes, byte[]> leaderIds;
    private KeyValueStore<Bytes, byte[]> followerEvents;
    private KeyValueStore<Bytes, byte[]> expiry;
    private KeyValueStore<String, Long> clock;

    IntervalJoin(JoinSpec spec, int leaderPartitions, int followerPartitions) {
        this.spec = spec;
        this.leaderPartitions = leaderPartitions;
        this.followerPartitions = followerPartitions;
        this.withinMs = spec.within().toMillis();
        this.skewMs = spec.skew().toMillis();
    }

    @Override
    public void init(ProcessorContext<Long, byte[]> context) {
        this.context = context;
        this.leaderIds = context.getStateStore(LEADER_IDS);
        this.followerEvents = context.getStateStore(FOLLOWER_EVENTS);
        this.expiry = context.getStateStore(EXPIRY);
        this.clock = context.getStateStore(CLOCK);
        // the expiry index is not changelogged (half the join's state writes): after a restart it is rebuilt from the two
        // stores it indexes, which are
        rebuildExpiry(leaderIds, LEADER);
        rebuildExpiry(followerEvents, FOLLOWER);
    }

    private void rebuildExpiry(KeyValueStore<Bytes, byte[]> store, byte side) {
        try (KeyValueIterator<Bytes, byte[]> it = store.all()) {
            while (it.hasNext()) {
                ByteBuffer k = ByteBuffer.wrap(it.next().key.get());
                byte[] hash = new byte[JoinKey.HASH_BYTES];
                k.get(hash);
                long time = k.getLong();
                long ref = k.getLong();
                expiry.put(expiryKey(side, time, hash, ref), new byte[0]);
            }
        }
    }

    @Override
    public void process(Record<Bytes, byte[]> r) {
        byte[] v = r.value();
        if (v[0] == END) {
            clock.put(ENDED, 1L);
            report();
            return;
        }
        byte[] body = new byte[v.length - 1];
        System.arraycopy(v, 1, body, 0, body.length);
        byte[] hash = r.key().get();
        if (v[0] == LEADER) {
            Values.LeaderId id = Values.LeaderId.decode(body);
            // a follower event at or after L that was already let go could have matched
            if (id.time() <= get(FOLLOWER_GONE)) add(DROPPED);
            try (KeyValueIterator<Bytes, byte[]> it = followerEvents.range(key(hash, id.time(), 0), key(hash, id.time() + withinMs, -1))) {
                while (it.hasNext()) emit(id, Values.FollowerEvent.decode(it.next().value));
            }
            store(leaderIds, LEADER, hash, id.time(), id.ref(), body);
            advance("L" + Values.partitionOf(id.ref()), id.time());
        } else {
            Values.FollowerEvent e = Values.FollowerEvent.decode(body);
            if (e.time() - withinMs <= get(LEADER_GONE)) add(DROPPED);
            try (KeyValueIterator<Bytes, byte[]> it = leaderIds.range(key(hash, e.time() - withinMs, 0), key(hash, e.time(), -1))) {
                while (it.hasNext()) emit(Values.LeaderId.decode(it.next().value), e);
            }
            store(followerEvents, FOLLOWER, hash, e.time(), e.ref(), body);
            advance("F" + Values.partitionOf(e.ref()), e.time());
        }
        expire();
        report();
    }

    /** A side's watermark: the oldest newest-time over its source partitions (none until each has sent). */
    private long watermark(String side, int partitions) {
        long min = Long.MAX_VALUE;
        for (int p = 0; p < partitions; p++) min = Math.min(min, get(side + p));
        return min;
    }

    /**
     * Says on the matches topic (a negative key: minus one minus this task's partition) when the
     * task's watermark enters a new block: no match for a leader event before {@code watermark -
     * within - skew} can come from this task any more.
     */
    private void report() {
        long wm = Math.min(watermark("L", leaderPartitions), watermark("F", followerPartitions));
        if (get(ENDED) == 1) wm = Math.max(wm, watermark("F", followerPartitions));
        if (wm <= NONE) return;
        long block = spec.blockOf(wm);
        if (block <= get(REPORTED)) return;
        clock.put(REPORTED, block);
        int task = context.taskId().partition();
        context.forward(new Record<>(-1L - task, ByteBuffer.allocate(8).putLong(wm).array(), wm));
    }

    /**
     * Lets go of what can no longer match: leader ids older than the follower's newest time minus
     * the disorder and the window, follower events older than the leader's newest time minus the
     * disorder.
     */
    private void expire() {
        long leaderBefore = watermark("F", followerPartitions) - skewMs - withinMs;
        long followerBefore = get(ENDED) == 1 ? Long.MAX_VALUE / 2 : watermark("L", leaderPartitions) - skewMs;
        expire(LEADER, leaderBefore);
        expire(FOLLOWER, followerBefore);
    }

    private void expire(byte side, long before) {
        if (before <= 0) return;
        List<Bytes> done = new ArrayList<>();
        try (KeyValueIterator<Bytes, byte[]> it = expiry.range(expiryKey(side, 0, new byte[0], 0), expiryKey(side, before, new byte[0], 0))) {
            while (it.hasNext()) {
                KeyValue<Bytes, byte[]> kv = it.next();
                ByteBuffer k = ByteBuffer.wrap(kv.key.get());
                k.get();
                long time = k.getLong();
                if (time >= before) break;
                byte[] hash = new byte[JoinKey.HASH_BYTES];
                k.get(hash);
                long ref = k.getLong();
                (side == LEADER ? leaderIds : followerEvents).delete(key(hash, time, ref));
                String gone = side == LEADER ? LEADER_GONE : FOLLOWER_GONE;
                if (time > get(gone)) clock.put(gone, time);
                done.add(kv.key);
            }
        }
        for (Bytes k : done) expiry.delete(k);
    }

    private void store(KeyValueStore<Bytes, byte[]> s, byte side, byte[] hash, long time, long ref, byte[] body) {
        s.put(key(hash, time, ref), body);
        expiry.put(expiryKey(side, time, hash, ref), new byte[0]);
    }

    private void emit(Values.LeaderId id, Values.FollowerEvent e) {
        byte[] m = new Values.Match(id.ref(), id.time(), e.ref(), e.time(), e.cells()).encode();
        context.forward(new Record<>(spec.blockOf(id.time()), m, Math.max(id.time(), e.time())));
    }

    private long get(String k) {
        Long v = clock.get(k);
        return v != null ? v : k.equals(DROPPED) || k.equals(ENDED) ? 0 : k.equals(REPORTED) ? Long.MIN_VALUE : NONE;
    }

    private void advance(String k, long time) {
        if (time > get(k)) clock.put(k, time);
    }

    private void add(String k) {
        clock.put(k, get(k) + 1);
    }

    /** A stored entry: hash, then time and position big-endian, so one hash's entries lie in time order. */
    private static Bytes key(byte[] hash, long time, long ref) {
        return Bytes.wrap(ByteBuffer.allocate(hash.length + 16).put(hash).putLong(Math.max(0, time)).putLong(ref).array());
    }

    /** The expiry index: side, then time, so each side's oldest entries come first. */
    private static Bytes expiryKey(byte side, long time, byte[] hash, long ref) {
        return Bytes.wrap(ByteBuffer.allocate(1 + 8 + hash.length + 8).put(side).putLong(Math.max(0, time)).put(hash).putLong(ref).array());
    }

    /** The tagged value the join's merged input carries. */
    static byte[] tag(byte tag, byte[] value) {
        byte[] out = new byte[1 + (value == null ? 0 : value.length)];
        out[0] = tag;
        if (value != null) System.arraycopy(value, 0, out, 1, value.length);
        return out;
    }
}
