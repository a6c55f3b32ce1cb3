package io.meshfl.stream.blocks;

import io.meshfl.core.contract.DataContract;
import io.meshfl.stream.event.EventCodec;
import io.meshfl.stream.join.JoinSpec;
import io.meshfl.stream.join.Values;
import io.meshfl.stream.join.WindowCounts;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;

/**
 * The leader's half of the joined-data product: given a block's matched leader positions in the
 * agreed order (all the follower tells the leader), reads those events back from the leader's own
 * topic and writes their cells in that order, with the same manifest as the follower's. Events are
 * read partition by partition from the smallest position to the largest, so a block costs one
 * sequential scan of the span it covers.
 */
public final class LeaderBlocks implements AutoCloseable {

    private final JoinSpec spec;
    private final Path folder;
    private final EventCodec codec;
    private final String topic;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private Manifest manifest;

    public LeaderBlocks(JoinSpec spec, DataContract contract, Path folder) {
        this.spec = spec;
        this.folder = folder;
        this.codec = new EventCodec(contract);
        this.topic = contract.server().stream().topic();
        // the blocks are the domain's own rows: an owner-only folder, as a node's state
        io.meshfl.core.trust.PrivateFiles.directory(folder, "the joined-data block folder");
        Manifest m = Manifest.read(folder);
        this.manifest = m != null ? m : new Manifest(spec.job(), "leader", codec.columns(), spec.blockSpan().toMillis(), List.of(), Map.of(), Map.of(), 0, 0);
        Set<String> listed = new HashSet<>();
        for (Manifest.Block b : manifest.blocks()) listed.add(b.file());
        BlockFiles.clearUnlisted(folder, listed);
        Properties p = io.meshfl.stream.KafkaConnection.client(contract.server().stream().bootstrap());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        // a position that is gone is an error, never a silent jump to the topic's end
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "none");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "10000");
        this.consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    /** The manifest as last written. */
    public Manifest manifest() {
        return manifest;
    }

    /**
     * Writes block {@code index} from the leader positions the follower's block lists, in its order;
     * a block already written is left as it is (the call is repeated after a restart).
     */
    public void write(long index, long[] refs, WindowCounts counts) {
        if (!manifest.blocks().isEmpty() && index <= manifest.lastIndex()) return;
        TreeMap<Integer, long[]> span = new TreeMap<>();
        for (long ref : refs) {
            int part = Values.partitionOf(ref);
            long off = Values.offsetOf(ref);
            span.merge(part, new long[]{off, off}, (a, b) -> new long[]{Math.min(a[0], b[0]), Math.max(a[1], b[1])});
        }
        Map<Long, String[]> cells = new HashMap<>(refs.length * 2);
        Set<Long> wanted = new HashSet<>(refs.length * 2);
        for (long ref : refs) wanted.add(ref);
        for (Map.Entry<Integer, long[]> e : span.entrySet()) {
            TopicPartition tp = new TopicPartition(topic, e.getKey());
            consumer.assign(List.of(tp));
            consumer.seek(tp, e.getValue()[0]);
            long last = e.getValue()[1];
            long at = e.getValue()[0];
            long end = consumer.endOffsets(List.of(tp), Duration.ofSeconds(30)).get(tp);
            if (last >= end) throw new IllegalStateException("the leader's topic " + topic + " ends (at " + end + ") before position "
                    + last + " of partition " + e.getKey() + " that block " + index + " needs");
            long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
            while (at <= last) {
                org.apache.kafka.clients.consumer.ConsumerRecords<byte[], byte[]> records;
                try {
                    records = consumer.poll(Duration.ofMillis(500));
                } catch (org.apache.kafka.clients.consumer.OffsetOutOfRangeException gone) {
                    throw new IllegalStateException("the leader's topic " + topic + " no longer holds the events of block " + index
                            + " (partition " + e.getKey() + " from position " + e.getValue()[0] + "): its retention removed them", gone);
                }
                if (records.isEmpty() && System.nanoTime() > deadline) throw new IllegalStateException("the leader's topic " + topic
                        + " gave no records for 2 minutes while reading partition " + e.getKey() + " up to position " + last);
                for (ConsumerRecord<byte[], byte[]> r : records) {
                    at = r.offset() + 1;
                    long ref = Values.ref(r.partition(), r.offset());
                    if (r.offset() > last || !wanted.contains(ref)) continue;
                    EventCodec.Parsed parsed = codec.parse(r.value());
                    // a position the follower names was taken into the join, so it parsed then
                    if (!parsed.ok()) throw new IllegalStateException("leader event at partition " + r.partition() + " offset " + r.offset()
                            + " named by block " + index + " no longer reads: " + parsed.problem());
                    cells.put(ref, parsed.event().cells());
                }
            }
        }
        List<String[]> rows = new ArrayList<>(refs.length);
        for (long ref : refs) {
            String[] c = cells.get(ref);
            if (c == null) throw new IllegalStateException("block " + index + " names a leader position that is not in the topic");
            rows.add(c);
        }
        String sha = BlockFiles.write(folder, index, manifest.columns(), rows);
        long s = spec.blockSpan().toMillis();
        manifest = manifest.with(new Manifest.Block(index, index * s, (index + 1) * s, rows.size(), BlockFiles.name(index), sha,
                counts.in(), counts.late(), counts.malformed(), System.currentTimeMillis()), Map.of(), Map.of(), 0);
        manifest.write(folder);
    }

    @Override
    public void close() {
        consumer.close(Duration.ofSeconds(5));
    }
}
