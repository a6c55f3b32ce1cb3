package io.meshfl.stream.join;

import io.meshfl.core.contract.DataContract;
import io.meshfl.stream.event.EventCodec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.processor.TimestampExtractor;
import org.apache.kafka.streams.state.Stores;

import java.time.Duration;
import java.util.function.Consumer;

/**
 * The two sides of a stream join as Kafka Streams topologies. The leader reads its topic, drops late
 * events, and writes each remaining event's hashed id, position and time to the leader-ids topic
 * (the only thing that leaves its domain). The follower does the same with its own topic, then joins
 * the leader's ids with its events on Kafka Streams state stores ({@link IntervalJoin}: a follower
 * event from 0 to {@code within} after the leader's), and writes each matched pair, keyed by the
 * leader event's block, to the matches topic.
 */
public final class Topologies {

    /** The name of the follower's repartition step (its topic is {@code <application id>-follower-ids-repartition}). */
    static final String FOLLOWER_IDS = "follower-ids";

    private Topologies() {
    }

    /** The leader's side: its events, hashed, to the leader-ids topic. */
    public static Topology leader(JoinSpec spec, DataContract contract, JoinKey key, Consumer<String> problems) {
        StreamsBuilder b = new StreamsBuilder();
        side(b, spec, JoinSpec.Side.LEADER, contract, key, problems)
                .processValues(() -> new Seal(key), Named.as("leader-seal"))
                .to(spec.leaderIdsTopic(), Produced.with(Serdes.Bytes(), Serdes.ByteArray()));
        return b.build();
    }

    /**
     * The follower's side: its events, hashed and repartitioned like the leader's ids ({@code partitions}, the leader-ids
     * topic's count, so equal hashes meet in one task), joined with the leader's ids; the pairs to the matches topic, with
     * each join task's progress ({@link IntervalJoin}). {@code ownPartitions} is the follower topic's partition count.
     */
    public static Topology follower(JoinSpec spec, DataContract contract, JoinKey key, int partitions, int ownPartitions,
                                    Consumer<String> problems) {
        StreamsBuilder b = new StreamsBuilder();
        KStream<Bytes, byte[]> mine = side(b, spec, JoinSpec.Side.FOLLOWER, contract, key, problems)
                .repartition(Repartitioned.with(Serdes.Bytes(), Serdes.ByteArray()).withName(FOLLOWER_IDS).withNumberOfPartitions(partitions))
                .mapValues(v -> IntervalJoin.tag(IntervalJoin.FOLLOWER, v), Named.as("tag-follower"));
        KStream<Bytes, byte[]> leader = b.stream(spec.leaderIdsTopic(), Consumed.with(Serdes.Bytes(), Serdes.ByteArray()).withName("leader-ids"))
                // an empty key is the leader's mark that its input ended
                .mapValues((k, v) -> IntervalJoin.tag(k == null || k.get().length == 0 ? IntervalJoin.END : IntervalJoin.LEADER, v), Named.as("tag-leader"));
        for (String store : new String[]{IntervalJoin.LEADER_IDS, IntervalJoin.FOLLOWER_EVENTS}) {
            b.addStateStore(Stores.keyValueStoreBuilder(HashStore.supplier(store), Serdes.Bytes(), Serdes.ByteArray()));
        }
        b.addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(IntervalJoin.CLOCK), Serdes.String(), Serdes.Long()).withCachingEnabled());
        leader.merge(mine, Named.as("join-input"))
                .process(() -> new IntervalJoin(spec, key, partitions, ownPartitions), Named.as("join"), IntervalJoin.LEADER_IDS, IntervalJoin.FOLLOWER_EVENTS,
                        IntervalJoin.CLOCK)
                .to(spec.matchesTopic(), Produced.with(Serdes.Long(), Serdes.ByteArray()));
        return b.build();
    }

    private static KStream<Bytes, byte[]> side(StreamsBuilder b, JoinSpec spec, JoinSpec.Side side, DataContract contract,
                                               JoinKey key, Consumer<String> problems) {
        EventCodec codec = new EventCodec(contract);
        b.addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(SideProcessor.CLOCK), Serdes.Integer(), Serdes.Long())
                .withCachingEnabled());
        b.addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(SideProcessor.COUNTS), Serdes.Long(), WindowCounts.serde())
                .withCachingEnabled());
        long delay = contract.server().stream().watermarkDelay().toMillis();
        String name = side.name().toLowerCase(java.util.Locale.ROOT);
        return b.stream(contract.server().stream().topic(), Consumed.with(Serdes.ByteArray(), Serdes.ByteArray())
                        .withTimestampExtractor(new EventTime(codec)).withName(name + "-events"))
                .process(() -> new SideProcessor(spec, side, codec, key, delay, problems),
                        Named.as(name + "-hash"), SideProcessor.CLOCK, SideProcessor.COUNTS);
    }

    /** Seals each leader id under the job's seal key (one sealer per task: a {@link javax.crypto.Mac} is not thread-safe). */
    static final class Seal implements org.apache.kafka.streams.processor.api.FixedKeyProcessor<Bytes, byte[], byte[]> {
        private final JoinKey key;
        private org.apache.kafka.streams.processor.api.FixedKeyProcessorContext<Bytes, byte[]> context;
        private JoinKey.Sealer sealer;

        Seal(JoinKey key) {
            this.key = key;
        }

        @Override
        public void init(org.apache.kafka.streams.processor.api.FixedKeyProcessorContext<Bytes, byte[]> context) {
            this.context = context;
            this.sealer = key.sealer();
        }

        @Override
        public void process(org.apache.kafka.streams.processor.api.FixedKeyRecord<Bytes, byte[]> r) {
            context.forward(r.withValue(sealer.seal(r.key().get(), r.value())));
        }
    }

    /**
     * Orders records by their event time inside Kafka Streams. A value without a readable time keeps
     * its partition's time here; the processor then counts it as malformed rather than Kafka Streams
     * dropping it unseen.
     */
    record EventTime(EventCodec codec) implements TimestampExtractor {
        @Override
        public long extract(ConsumerRecord<Object, Object> record, long partitionTime) {
            long t = codec.timeOf((byte[]) record.value());
            return t >= 0 ? t : Math.max(0, partitionTime);
        }
    }
}
