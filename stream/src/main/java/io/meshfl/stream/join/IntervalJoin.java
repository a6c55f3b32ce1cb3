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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

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
    static final String CLOCK = "join-clock";

    static final byte LEADER = 0;
    static final byte FOLLOWER = 1;
    static final byte END = 2;

    static final String ENDED = "leader-ended";
    static final String DROPPED = "dropped";
    private static final String ENDED_PREFIX = "ended-";
    private static final String REPORTED = "reported-block";
    private static final String LEADER_GONE = "leader-expired-through";
    private static final String FOLLOWER_GONE = "follower-expired-through";
    private static final long NONE = Long.MIN_VALUE / 4;

    private final JoinSpec spec;
    /**
     * Whether the leader's ids were re-keyed by the follower (blinded ids): then every partition of the leader-ids topic
     * feeds every join task, and each must end; otherwise a task reads only its own.
     */
    private final boolean rekeyed;
    /** Partitions of the leader-ids topic, as many as the leader's source topic has (the leader creates it so). */
    private final int leaderIdPartitions;
    private final long withinMs;
    private final long skewMs;
    /**
     * The clock's keys for the newest event time of each leader source partition as seen through each leader-ids
     * partition that feeds this task ("L0.1": leader-ids partition 0, source partition 1): a leader-ids partition
     * carries every source partition's ids, and several of them feed one task in a blinded join, each at its own pace.
     */
    private String[][] leaderTimes;
    /** The clock's keys for each follower source partition's newest event time ("F0", "F1", ...). */
    private final String[] followerTimes;
    private ProcessorContext<Long, byte[]> context;
    private KeyValueStore<Bytes, byte[]> leaderIds;
    private KeyValueStore<Bytes, byte[]> followerEvents;
    private KeyValueStore<String, Long> clock;
    /** Per side, what is stored by event time (derived from the two stores, so rebuilt rather than changelogged). */
    private final NavigableMap<Long, List<Expiring>> leaderExpiry = new TreeMap<>();
    private final NavigableMap<Long, List<Expiring>> followerExpiry = new TreeMap<>();
    /** The clock store's values as last written (the store is what survives; this spares a lookup per value per event). */
    private final Map<String, Long> clockSeen = new HashMap<>();

    /** A stored entry, found again by its hash and position. */
    private record Expiring(byte[] hash, long ref) {
    }

    IntervalJoin(JoinSpec spec, int leaderPartitions, int followerPartitions) {
        this.spec = spec;
        this.leaderIdPartitions = leaderPartitions;
        this.rekeyed = spec.ids() == JoinSpec.Ids.BLINDED;
        this.followerTimes = times("F", followerPartitions);
        this.withinMs = spec.within().toMillis();
        this.skewMs = spec.skew().toMillis();
    }

    @Override
    public void init(ProcessorContext<Long, byte[]> context) {
        this.context = context;
        this.leaderIds = context.getStateStore(LEADER_IDS);
        this.followerEvents = context.getStateStore(FOLLOWER_EVENTS);
        this.clock = context.getStateStore(CLOCK);
        int task = context.taskId().partition();
        this.leaderTimes = new String[rekeyed ? leaderIdPartitions : 1][];
        for (int j = 0; j < leaderTimes.length; j++) leaderTimes[j] = times("L" + (rekeyed ? j : task) + ".", leaderIdPartitions);
        // init runs again after a task's state is wiped and restored (exactly-once after a crash): derived state starts over
        clockSeen.clear();
        try (KeyValueIterator<String, Long> it = clock.all()) {
            while (it.hasNext()) {
                KeyValue<String, Long> kv = it.next();
                clockSeen.put(kv.key, kv.value);
            }
        }
        leaderExpiry.clear();
        followerExpiry.clear();
        rebuildExpiry(leaderIds, LEADER);
        rebuildExpiry(followerEvents, FOLLOWER);
    }

    private void rebuildExpiry(KeyValueStore<Bytes, byte[]> store, byte side) {
        try (KeyValueIterator<Bytes, byte[]> it = store.all()) {
            while (it.hasNext()) {
                KeyValue<Bytes, byte[]> kv = it.next();
                for (byte[] e : Bucket.entries(kv.value)) index(side, kv.key.get(), Bucket.timeOf(e), Bucket.refOf(e));
            }
        }
    }

    private void index(byte side, byte[] hash, long time, long ref) {
        (side == LEADER ? leaderExpiry : followerExpiry).computeIfAbsent(time, k -> new ArrayList<>(1)).add(new Expiring(hash, ref));
    }

    @Override
    public void process(Record<Bytes, byte[]> r) {
        byte[] v = r.value();
        byte[] body = new byte[v.length - 1];
        System.arraycopy(v, 1, body, 0, body.length);
        if (v[0] == END) {
            // an end mark the previous step verified, naming the leader-ids partition it ends
            put(ENDED_PREFIX + ByteBuffer.wrap(body).getInt(), 1L);
            int ended = 0;
            for (int p = 0; p < leaderIdPartitions; p++) if (get(ENDED_PREFIX + p) == 1) ended++;
            if (ended >= (rekeyed ? leaderIdPartitions : 1)) put(ENDED, 1L);
            report();
            return;
        }
        if (v[0] == LEADER) {
            byte[] hash = r.key().get();
            // the leader-ids partition it came through, then the id
            int through = ByteBuffer.wrap(body).getInt();
            body = java.util.Arrays.copyOfRange(body, 4, body.length);
            Values.LeaderId id = Values.LeaderId.decode(body);
            // a follower event at or after L that was already let go could have matched
            if (id.time() <= get(FOLLOWER_GONE)) add(DROPPED);
            for (byte[] f : Bucket.entries(followerEvents.get(r.key()))) {
                long t = Bucket.timeOf(f);
                if (t >= id.time() && t <= id.time() + withinMs) emit(id, Values.FollowerEvent.decode(f));
            }
            store(leaderIds, LEADER, hash, id.time(), id.ref(), body);
            advance(timeKey(leaderTimes[rekeyed ? through : 0], id.ref(), "leader"), id.time());
        } else {
            Values.FollowerEvent e = Values.FollowerEvent.decode(body);
            if (e.time() - withinMs <= get(LEADER_GONE)) add(DROPPED);
            for (byte[] l : Bucket.entries(leaderIds.get(r.key()))) {
                long t = Bucket.timeOf(l);
                if (t >= e.time() - withinMs && t <= e.time()) emit(Values.LeaderId.decode(l), e);
            }
            store(followerEvents, FOLLOWER, r.key().get(), e.time(), e.ref(), body);
            advance(timeKey(followerTimes, e.ref(), "follower"), e.time());
        }
        expire();
        report();
    }

    private long leaderWatermark() {
        long min = Long.MAX_VALUE;
        for (String[] t : leaderTimes) min = Math.min(min, watermark(t));
        return min;
    }

    /** A side's watermark: the oldest newest-time over its source partitions (none until each has sent). */
    private long watermark(String[] times) {
        long min = Long.MAX_VALUE;
        for (String t : times) min = Math.min(min, get(t));
        return min;
    }

    /**
     * Says on the matches topic (a negative key: minus one minus this task's partition) when the
     * task's watermark enters a new block: no match for a leader event before {@code watermark -
     * within - skew} can come from this task any more.
     */
    private void report() {
        long wm = Math.min(leaderWatermark(), watermark(followerTimes));
        if (get(ENDED) == 1) wm = Math.max(wm, watermark(followerTimes));
        if (wm <= NONE) return;
        long block = spec.blockOf(wm);
        if (block <= get(REPORTED)) return;
        put(REPORTED, block);
        int task = context.taskId().partition();
        context.forward(new Record<>(-1L - task, ByteBuffer.allocate(8).putLong(wm).array(), wm));
    }

    /**
     * Lets go of what can no longer match: leader ids older than the follower's newest time minus
     * the disorder and the window, follower events older than the leader's newest time minus the
     * disorder.
     */
    private void expire() {
        long leaderBefore = watermark(followerTimes) - skewMs - withinMs;
        long followerBefore = get(ENDED) == 1 ? Long.MAX_VALUE / 2 : leaderWatermark() - skewMs;
        expire(LEADER, leaderBefore);
        expire(FOLLOWER, followerBefore);
    }

    private void expire(byte side, long before) {
        if (before <= 0) return;
        NavigableMap<Long, List<Expiring>> index = side == LEADER ? leaderExpiry : followerExpiry;
        KeyValueStore<Bytes, byte[]> store = side == LEADER ? leaderIds : followerEvents;
        String gone = side == LEADER ? LEADER_GONE : FOLLOWER_GONE;
        while (!index.isEmpty() && index.firstKey() < before) {
            Map.Entry<Long, List<Expiring>> oldest = index.pollFirstEntry();
            for (Expiring x : oldest.getValue()) {
                Bytes k = Bytes.wrap(x.hash());
                byte[] left = Bucket.remove(store.get(k), x.ref());
                if (left == null) store.delete(k);
                else store.put(k, left);
            }
            if (oldest.getKey() > get(gone)) put(gone, oldest.getKey());
        }
    }

    private void store(KeyValueStore<Bytes, byte[]> s, byte side, byte[] hash, long time, long ref, byte[] body) {
        Bytes k = Bytes.wrap(hash);
        s.put(k, Bucket.add(s.get(k), body));
        index(side, hash, time, ref);
    }

    private void emit(Values.LeaderId id, Values.FollowerEvent e) {
        byte[] m = new Values.Match(id.ref(), id.time(), e.ref(), e.time(), e.cells()).encode();
        context.forward(new Record<>(spec.blockOf(id.time()), m, Math.max(id.time(), e.time())));
    }

    private long get(String k) {
        Long v = clockSeen.get(k);
        return v != null ? v : k.equals(DROPPED) || k.startsWith("ended") || k.equals(ENDED) ? 0 : k.equals(REPORTED) ? Long.MIN_VALUE : NONE;
    }

    private void advance(String k, long time) {
        if (time > get(k)) put(k, time);
    }

    private void add(String k) {
        put(k, get(k) + 1);
    }

    private void put(String k, long v) {
        clock.put(k, v);
        clockSeen.put(k, v);
    }

    private static String timeKey(String[] times, long ref, String side) {
        int p = Values.partitionOf(ref);
        if (p >= times.length) {
            throw new IllegalStateException("a " + side + " record names source partition " + p + ", but the join was set up for " + times.length);
        }
        return times[p];
    }

    private static String[] times(String side, int partitions) {
        String[] out = new String[partitions];
        for (int p = 0; p < partitions; p++) out[p] = side + p;
        return out;
    }

    /** The tagged value the join's merged input carries. */
    static byte[] tag(byte tag, byte[] value) {
        byte[] out = new byte[1 + (value == null ? 0 : value.length)];
        out[0] = tag;
        if (value != null) System.arraycopy(value, 0, out, 1, value.length);
        return out;
    }
}
