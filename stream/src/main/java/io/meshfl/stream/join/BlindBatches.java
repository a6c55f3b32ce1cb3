package io.meshfl.stream.join;

import io.meshfl.core.crypto.psi.Blinder;
import io.meshfl.core.crypto.psi.PsiKey;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;

/**
 * The follower's side of a blinded join, before the join: holds each event of a block of event
 * time (per source partition) until the block is closed, then blinds the block's ids with the
 * follower's scalar and sends them to the leader as one batch (chunks of
 * {@link IdBlinding#BATCH_POINTS}), sealed under the job's key, in the order the events are held.
 * A block closes when its partition's watermark has passed its end (no event of it can still be
 * taken) or, for a partition that went quiet, after {@link #IDLE} without events once every record
 * of the partition is processed (a partition merely waiting behind others is not quiet); an event that
 * arrives for a block already sent is counted as late. The events wait in a state store until
 * {@link Unblind} gets the batch back.
 */
final class BlindBatches implements Processor<Bytes, byte[], Bytes, byte[]> {

    /** The events waiting for their batch: key partition, block, sequence number; value the id and the event. */
    static final String PENDING = "blind-pending";
    /** Per partition and block: how many events it holds, and whether it was sent. */
    static final String BATCHES = "blind-batches";
    /** A quiet partition's open blocks are sent after this much wall-clock time without events. */
    static final Duration IDLE = Duration.ofSeconds(3);

    private final JoinSpec spec;
    private final PsiKey blindingKey;
    private final JoinKey key;
    private final long delayMs;
    private final java.util.function.IntPredicate caughtUp;
    private ProcessorContext<Bytes, byte[]> context;
    private KeyValueStore<Bytes, byte[]> pending;
    private KeyValueStore<Bytes, byte[]> batches;
    private KeyValueStore<Integer, Long> clock;
    private KeyValueStore<Long, WindowCounts> counts;
    private Blinder blinder;
    private JoinKey.Sealer sealer;
    /** Open blocks (partition, block), rebuilt from the batches store when the task starts. */
    private final TreeSet<long[]> open = new TreeSet<>((a, b) -> a[0] != b[0] ? Long.compare(a[0], b[0]) : Long.compare(a[1], b[1]));
    private final java.util.Map<Integer, Long> lastEventAt = new java.util.HashMap<>();

    /** {@code caughtUp}: whether a source partition has nothing left to read (known outside the task, from the committed offsets). */
    BlindBatches(JoinSpec spec, PsiKey blindingKey, JoinKey key, long delayMs, java.util.function.IntPredicate caughtUp) {
        this.caughtUp = caughtUp;
        this.spec = spec;
        this.blindingKey = blindingKey;
        this.key = key;
        this.delayMs = delayMs;
    }

    @Override
    public void init(ProcessorContext<Bytes, byte[]> context) {
        this.context = context;
        this.pending = context.getStateStore(PENDING);
        this.batches = context.getStateStore(BATCHES);
        this.clock = context.getStateStore(SideProcessor.CLOCK);
        this.counts = context.getStateStore(SideProcessor.COUNTS);
        this.blinder = IdBlinding.blinder(blindingKey);
        this.sealer = key.sealer();
        open.clear();
        lastEventAt.clear();
        try (KeyValueIterator<Bytes, byte[]> it = batches.all()) {
            while (it.hasNext()) {
                KeyValue<Bytes, byte[]> kv = it.next();
                if (!Batch.decode(kv.value).sent()) {
                    ByteBuffer k = ByteBuffer.wrap(kv.key.get());
                    open.add(new long[]{k.getInt(), k.getLong()});
                }
            }
        }
        context.schedule(Duration.ofSeconds(1), PunctuationType.WALL_CLOCK_TIME, this::closeIdle);
    }

    /** A block's bookkeeping: events held, and whether its batch went out. */
    record Batch(int size, boolean sent) {
        byte[] encode() {
            return ByteBuffer.allocate(5).putInt(size).put((byte) (sent ? 1 : 0)).array();
        }

        static Batch decode(byte[] b) {
            return new Batch(ByteBuffer.wrap(b).getInt(), b[4] == 1);
        }
    }

    @Override
    public void process(Record<Bytes, byte[]> r) {
        int partition = context.recordMetadata().orElseThrow().partition();
        Values.FollowerEvent e = Values.FollowerEvent.decode(r.value());
        long block = spec.blockOf(e.time());
        Bytes bk = Bytes.wrap(IdBlinding.batchKey(partition, block));
        byte[] b = batches.get(bk);
        Batch batch = b == null ? new Batch(0, false) : Batch.decode(b);
        if (batch.sent()) {
            // its block's batch is already with the leader: the event came too late for it
            WindowCounts c = counts.get(block);
            counts.put(block, (c == null ? WindowCounts.ZERO : c).plus(new WindowCounts(-1, 1, 0)));
            return;
        }
        pending.put(Bytes.wrap(IdBlinding.pendingKey(partition, block, batch.size())), IdBlinding.Held.encode(r.key().get(), r.value()));
        batches.put(bk, new Batch(batch.size() + 1, false).encode());
        if (batch.size() == 0) open.add(new long[]{partition, block});
        lastEventAt.put(partition, System.currentTimeMillis());
        Long newest = clock.get(partition);
        if (newest != null) closeThrough(partition, spec.blockOf(newest - delayMs) - 1);
    }

    /** Sends every open block of {@code partition} up to and including {@code lastBlock}. */
    private void closeThrough(int partition, long lastBlock) {
        while (true) {
            long[] first = open.ceiling(new long[]{partition, Long.MIN_VALUE});
            if (first == null || first[0] != partition || first[1] > lastBlock) return;
            close(partition, first[1]);
        }
    }

    private void closeIdle(long now) {
        for (long[] o : new ArrayList<>(open)) {
            Long last = lastEventAt.get((int) o[0]);
            if ((last == null || now - last >= IDLE.toMillis()) && caughtUp.test((int) o[0])) close((int) o[0], o[1]);
        }
    }

    private void close(int partition, long block) {
        open.remove(new long[]{partition, block});
        Bytes bk = Bytes.wrap(IdBlinding.batchKey(partition, block));
        Batch batch = Batch.decode(batches.get(bk));
        String[] ids = new String[batch.size()];
        List<KeyValue<Bytes, byte[]>> held = new ArrayList<>(batch.size());
        try (KeyValueIterator<Bytes, byte[]> it = pending.range(Bytes.wrap(IdBlinding.pendingKey(partition, block, 0)),
                Bytes.wrap(IdBlinding.pendingKey(partition, block, Integer.MAX_VALUE)))) {
            while (it.hasNext()) held.add(it.next());
        }
        if (held.size() != batch.size()) {
            throw new IllegalStateException("block " + block + " of partition " + partition + " holds " + held.size() + " events, its batch says " + batch.size());
        }
        for (int i = 0; i < ids.length; i++) ids[i] = IdBlinding.Held.id(held.get(i).value);
        long time = (block + 1) * spec.blockSpan().toMillis() - 1;
        for (int chunk = 0; chunk * IdBlinding.BATCH_POINTS < ids.length; chunk++) {
            int from = chunk * IdBlinding.BATCH_POINTS;
            byte[] points = blinder.blindKeys(ids, from, Math.min(ids.length, from + IdBlinding.BATCH_POINTS));
            byte[] k = new IdBlinding.BatchId(partition, block, chunk).encode();
            context.forward(new Record<>(Bytes.wrap(k), sealer.seal(JoinKey.Sealer.BATCH, k, points), time));
        }
        Arrays.fill(ids, null);
        batches.put(bk, new Batch(batch.size(), true).encode());
    }
}
