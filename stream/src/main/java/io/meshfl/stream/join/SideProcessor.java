package io.meshfl.stream.join;

import io.meshfl.stream.event.Event;
import io.meshfl.stream.event.EventCodec;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueStore;

import java.util.function.Consumer;

/**
 * One side's first step: reads each event against the contract, drops (and counts) the ones that
 * arrive behind their partition's watermark (the newest event time seen there minus the stream's
 * watermark delay), counts the rest per block, and forwards them under their id's join key (a keyed
 * hash, a blinded point, or for the follower of a blinded join its id, blinded later in batches). The
 * watermark and the counts live in state stores, so under exactly-once processing a restarted
 * party makes the same decisions for the same records.
 */
final class SideProcessor implements Processor<byte[], byte[], Bytes, byte[]> {

    static final String CLOCK = "watermark";
    static final String COUNTS = "counts";

    private final JoinSpec spec;
    private final JoinSpec.Side side;
    private final EventCodec codec;
    private final java.util.function.Supplier<IdKey> keys;
    private final long delayMs;
    private final Consumer<String> problems;
    private ProcessorContext<Bytes, byte[]> context;
    private KeyValueStore<Integer, Long> clock;
    private KeyValueStore<Long, WindowCounts> counts;
    private IdKey idKey;

    /** What an event is forwarded under, made once per task (hashers and blinders are not thread-safe). */
    interface IdKey {
        byte[] of(String id);
    }

    SideProcessor(JoinSpec spec, JoinSpec.Side side, EventCodec codec, java.util.function.Supplier<IdKey> keys, long delayMs,
                  Consumer<String> problems) {
        this.spec = spec;
        this.side = side;
        this.codec = codec;
        this.keys = keys;
        this.delayMs = delayMs;
        this.problems = problems;
    }

    @Override
    public void init(ProcessorContext<Bytes, byte[]> context) {
        this.context = context;
        this.clock = context.getStateStore(CLOCK);
        this.counts = context.getStateStore(COUNTS);
        this.idKey = keys.get();
    }

    @Override
    public void process(Record<byte[], byte[]> r) {
        RecordMetadata md = context.recordMetadata().orElseThrow();
        EventCodec.Parsed p = codec.parse(r.value());
        if (!p.ok()) {
            count(spec.blockOf(Math.max(0, r.timestamp())), new WindowCounts(0, 0, 1));
            problems.accept(side.name().toLowerCase(java.util.Locale.ROOT) + " partition " + md.partition() + " offset " + md.offset() + ": " + p.problem());
            return;
        }
        Event e = p.event();
        long block = spec.blockOf(e.time());
        Long newest = clock.get(md.partition());
        if (newest != null && e.time() < newest - delayMs) {
            count(block, new WindowCounts(0, 1, 0));
            return;
        }
        if (newest == null || e.time() > newest) clock.put(md.partition(), e.time());
        count(block, new WindowCounts(1, 0, 0));
        long ref = Values.ref(md.partition(), md.offset());
        byte[] value = side == JoinSpec.Side.LEADER
                ? new Values.LeaderId(ref, e.time()).encode()
                : new Values.FollowerEvent(ref, e.time(), e.cells()).encode();
        context.forward(new Record<>(Bytes.wrap(idKey.of(e.key())), value, e.time()));
    }

    private void count(long block, WindowCounts add) {
        WindowCounts c = counts.get(block);
        counts.put(block, c == null ? add : c.plus(add));
    }
}
