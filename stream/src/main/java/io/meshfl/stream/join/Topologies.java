package io.meshfl.stream.join;

import io.meshfl.core.contract.DataContract;
import io.meshfl.core.crypto.psi.PsiKey;
import io.meshfl.stream.event.EventCodec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.processor.StreamPartitioner;
import org.apache.kafka.streams.processor.TimestampExtractor;
import org.apache.kafka.streams.state.Stores;

import java.util.Optional;
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

    /** The leader's side: its events, under their hashed or blinded ids, to the leader-ids topic. */
    public static Topology leader(JoinSpec spec, DataContract contract, JoinKey key, PsiKey blindingKey, Consumer<String> problems) {
        StreamsBuilder b = new StreamsBuilder();
        java.util.function.Supplier<SideProcessor.IdKey> ids = spec.ids() == JoinSpec.Ids.HASHED
                ? () -> key.hasher()::hash
                : () -> {
                    io.meshfl.core.crypto.psi.Blinder blinder = IdBlinding.blinder(blindingKey);
                    return id -> blinder.blindKeys(new String[]{id}, 0, 1);
                };
        side(b, spec, JoinSpec.Side.LEADER, contract, ids, problems)
                .processValues(() -> new Seal(key), Named.as("leader-seal"))
                .to(spec.leaderIdsTopic(), Produced.with(Serdes.Bytes(), Serdes.ByteArray()));
        return b.build();
    }

    /**
     * The leader's second application in a blinded join: the follower's batches of blinded ids, blinded again and sealed
     * back ({@link Reblind}), each to the partition of the reblinded topic that matches its source partition.
     */
    public static Topology reblinder(JoinSpec spec, JoinKey key, PsiKey blindingKey) {
        StreamsBuilder b = new StreamsBuilder();
        b.addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(Reblind.COUNTS), Serdes.String(), Serdes.Long()));
        b.stream(spec.followerBlindedTopic(), Consumed.with(Serdes.Bytes(), Serdes.ByteArray()).withName("follower-batches"))
                .process(() -> new Reblind(blindingKey, key), Named.as("reblind"), Reblind.COUNTS)
                .to(spec.reblindedTopic(), Produced.with(Serdes.Bytes(), Serdes.ByteArray()).withStreamPartitioner(BY_BATCH));
        return b.build();
    }

    /**
     * The follower's side: its events under their join keys, repartitioned like the leader's ids ({@code partitions}, the
     * leader-ids topic's count, so equal keys meet in one task), joined with the leader's ids; the pairs to the matches
     * topic, with each join task's progress ({@link IntervalJoin}). {@code ownPartitions} is the follower topic's partition
     * count. In a blinded join the follower's ids go to the leader in batches and come back blinded by both before the
     * join ({@link BlindBatches}, {@link Unblind}), and the leader's ids are re-keyed by the follower's blinding and
     * repartitioned, the leader's end marks to every join task.
     */
    public static Topology follower(JoinSpec spec, DataContract contract, JoinKey key, PsiKey blindingKey, int partitions, int ownPartitions,
                                    java.util.function.IntPredicate caughtUp, Consumer<String> problems) {
        StreamsBuilder b = new StreamsBuilder();
        boolean blinded = spec.ids() == JoinSpec.Ids.BLINDED;
        java.util.function.Supplier<SideProcessor.IdKey> ids = blinded
                ? () -> id -> id.getBytes(java.nio.charset.StandardCharsets.UTF_8)
                : () -> key.hasher()::hash;
        KStream<Bytes, byte[]> events = side(b, spec, JoinSpec.Side.FOLLOWER, contract, ids, problems);
        if (blinded) {
            b.addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(BlindBatches.PENDING), Serdes.Bytes(), Serdes.ByteArray()));
            b.addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(BlindBatches.BATCHES), Serdes.Bytes(), Serdes.ByteArray()));
            b.addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(Unblind.COUNTS), Serdes.String(), Serdes.Long()));
            long delay = contract.server().stream().watermarkDelay().toMillis();
            events.process(() -> new BlindBatches(spec, blindingKey, key, delay, caughtUp), Named.as("follower-batches"),
                            BlindBatches.PENDING, BlindBatches.BATCHES, SideProcessor.CLOCK, SideProcessor.COUNTS)
                    .to(spec.followerBlindedTopic(), Produced.with(Serdes.Bytes(), Serdes.ByteArray()).withStreamPartitioner(BY_BATCH));
            events = b.stream(spec.reblindedTopic(), Consumed.with(Serdes.Bytes(), Serdes.ByteArray()).withName("reblinded"))
                    .process(() -> new Unblind(key), Named.as("unblind"), BlindBatches.PENDING, BlindBatches.BATCHES, Unblind.COUNTS);
        }
        KStream<Bytes, byte[]> mine = events
                .repartition(Repartitioned.with(Serdes.Bytes(), Serdes.ByteArray()).withName(FOLLOWER_IDS).withNumberOfPartitions(partitions)
                        .withStreamPartitioner(BY_KEY))
                .mapValues(v -> IntervalJoin.tag(IntervalJoin.FOLLOWER, v), Named.as("tag-follower"));
        b.addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(OpenLeaderIds.COUNTS), Serdes.String(), Serdes.Long()));
        KStream<Bytes, byte[]> leader = b.stream(spec.leaderIdsTopic(), Consumed.with(Serdes.Bytes(), Serdes.ByteArray()).withName("leader-ids"))
                .process(() -> new OpenLeaderIds(spec, key, blinded ? blindingKey : null), Named.as("open-leader-ids"), OpenLeaderIds.COUNTS);
        if (blinded) {
            leader = leader.repartition(Repartitioned.with(Serdes.Bytes(), Serdes.ByteArray()).withName(LEADER_IDS)
                    .withNumberOfPartitions(partitions).withStreamPartitioner(BY_KEY));
        }
        for (String store : new String[]{IntervalJoin.LEADER_IDS, IntervalJoin.FOLLOWER_EVENTS}) {
            b.addStateStore(Stores.keyValueStoreBuilder(HashStore.supplier(store), Serdes.Bytes(), Serdes.ByteArray()));
        }
        b.addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(IntervalJoin.CLOCK), Serdes.String(), Serdes.Long()).withCachingEnabled());
        leader.merge(mine, Named.as("join-input"))
                .process(() -> new IntervalJoin(spec, partitions, ownPartitions), Named.as("join"), IntervalJoin.LEADER_IDS, IntervalJoin.FOLLOWER_EVENTS,
                        IntervalJoin.CLOCK)
                .to(spec.matchesTopic(), Produced.with(Serdes.Long(), Serdes.ByteArray()));
        return b.build();
    }

    /** The name of the follower's repartition of the leader's re-keyed ids in a blinded join. */
    static final String LEADER_IDS = "leader-ids-joined";

    /**
     * A join key's partition: the producer's own choice for a keyed record (murmur2 of the key's bytes), so that the
     * follower's repartitioned events meet the leader's ids as the leader's producer spread them; an empty key (an end
     * mark) to every partition.
     */
    static final StreamPartitioner<Bytes, byte[]> BY_KEY = (topic, k, v, n) -> {
        if (k == null || k.get().length == 0) {
            java.util.Set<Integer> all = new java.util.HashSet<>();
            for (int i = 0; i < n; i++) all.add(i);
            return Optional.of(all);
        }
        return Optional.of(java.util.Set.of(Utils.toPositive(Utils.murmur2(k.get())) % n));
    };

    /** A batch record to the partition of its source partition; an empty key (the follower's end mark) as written. */
    static final StreamPartitioner<Bytes, byte[]> BY_BATCH = (topic, k, v, n) -> {
        IdBlinding.BatchId id = IdBlinding.BatchId.decode(k == null ? null : k.get());
        return id == null ? Optional.empty() : Optional.of(java.util.Set.of(id.partition()));
    };

    private static KStream<Bytes, byte[]> side(StreamsBuilder b, JoinSpec spec, JoinSpec.Side side, DataContract contract,
                                               java.util.function.Supplier<SideProcessor.IdKey> ids, Consumer<String> problems) {
        EventCodec codec = new EventCodec(contract);
        b.addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(SideProcessor.CLOCK), Serdes.Integer(), Serdes.Long())
                .withCachingEnabled());
        b.addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(SideProcessor.COUNTS), Serdes.Long(), WindowCounts.serde())
                .withCachingEnabled());
        long delay = contract.server().stream().watermarkDelay().toMillis();
        String name = side.name().toLowerCase(java.util.Locale.ROOT);
        return b.stream(contract.server().stream().topic(), Consumed.with(Serdes.ByteArray(), Serdes.ByteArray())
                        .withTimestampExtractor(new EventTime(codec)).withName(name + "-events"))
                .process(() -> new SideProcessor(spec, side, codec, ids, delay, problems),
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
