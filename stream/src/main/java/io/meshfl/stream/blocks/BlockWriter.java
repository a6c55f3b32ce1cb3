package io.meshfl.stream.blocks;

import io.meshfl.stream.join.JoinSpec;
import io.meshfl.stream.join.Values;
import io.meshfl.stream.join.WindowCounts;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.LongDeserializer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.LongFunction;

/**
 * The follower's joined-data product: reads the matches topic (committed records only), gathers
 * each block's matches, and once every join task's watermark (reported on the same topic) is far
 * enough past a block that no match for it can still come, writes the follower's cells of its examples in the agreed order (the leader
 * events' positions), the leader positions beside them (what the leader needs to write its half),
 * and a new manifest. Kafka Streams' exactly-once processing makes the matches topic hold every
 * match once; the manifest makes the blocks hold it once across restarts.
 */
public final class BlockWriter implements AutoCloseable {

    private final JoinSpec spec;
    private final Path folder;
    private final long closeAfterMs;
    private final LongFunction<WindowCounts> counts;
    private final KafkaConsumer<Long, byte[]> consumer;
    private final TreeMap<Long, List<Values.Match>> open = new TreeMap<>();
    private final TreeMap<Long, Map<Integer, Long>> firstOffsets = new TreeMap<>();
    private final Map<Integer, Long> position = new HashMap<>();
    private final Map<Integer, Long> knownIncluded;
    private Manifest manifest;
    private final long[] taskWatermark;
    private long lateMatches;

    /**
     * @param joinTasks how many join tasks report their watermarks (the leader-ids topic's partitions)
     * @param counts    the follower's own counts for a block
     */
    public BlockWriter(JoinSpec spec, String bootstrap, Path folder, List<String> columns, int joinTasks,
                       LongFunction<WindowCounts> counts) {
        this.spec = spec;
        this.folder = folder;
        // a block is complete once every join task's watermark is past its end by the window and the allowed disorder
        this.closeAfterMs = spec.within().plus(spec.skew()).toMillis();
        this.taskWatermark = new long[joinTasks];
        java.util.Arrays.fill(taskWatermark, Long.MIN_VALUE);
        this.counts = counts;
        // the blocks are the domain's own rows: an owner-only folder, as a node's state
        io.meshfl.core.trust.PrivateFiles.directory(folder, "the joined-data block folder");
        Manifest m = Manifest.read(folder);
        if (m == null) {
            m = new Manifest(spec.job(), "follower", columns, spec.blockSpan().toMillis(), List.of(), Map.of(), Map.of(), 0, 0);
        } else if (!m.job().equals(spec.job()) || !m.columns().equals(columns) || m.spanMillis() != spec.blockSpan().toMillis()) {
            throw new IllegalStateException("the block folder holds job '" + m.job() + "' with other columns or block span; use a new folder");
        }
        this.manifest = m;
        this.lateMatches = m.lateMatches();
        this.knownIncluded = new HashMap<>(m.readTo());
        Set<String> listed = new HashSet<>();
        for (Manifest.Block b : m.blocks()) {
            listed.add(b.file());
            listed.add(refsFile(b.index()));
        }
        BlockFiles.clearUnlisted(folder, listed);

        Properties p = io.meshfl.stream.KafkaConnection.client(bootstrap);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        // a resume position the topic no longer holds is an error, never a silent jump
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "none");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "10000");
        this.consumer = new KafkaConsumer<>(p, new LongDeserializer(), new ByteArrayDeserializer());
        List<TopicPartition> parts = new ArrayList<>();
        for (PartitionInfo pi : consumer.partitionsFor(spec.matchesTopic(), Duration.ofSeconds(30))) {
            parts.add(new TopicPartition(pi.topic(), pi.partition()));
        }
        consumer.assign(parts);
        for (TopicPartition tp : parts) {
            long at = m.offsets().getOrDefault(tp.partition(), 0L);
            consumer.seek(tp, at);
            position.put(tp.partition(), at);
        }
    }

    /** Reads what the matches topic holds now and writes the blocks it completes; the number of records read. */
    public int poll(Duration timeout) {
        int n = 0;
        for (ConsumerRecord<Long, byte[]> r : consumer.poll(timeout)) {
            n++;
            position.put(r.partition(), r.offset() + 1);
            long block = r.key();
            if (block < 0) {
                int task = (int) (-1 - block);
                if (task < taskWatermark.length) {
                    taskWatermark[task] = Math.max(taskWatermark[task], ByteBuffer.wrap(r.value()).getLong());
                }
                continue;
            }
            if (!manifest.blocks().isEmpty() && block <= manifest.lastIndex()) {
                // read again after a restart: already in its block; read for the first time: too late for it
                if (r.offset() >= knownIncluded.getOrDefault(r.partition(), 0L)) lateMatches++;
                continue;
            }
            Values.Match m = Values.Match.decode(r.value());
            open.computeIfAbsent(block, k -> new ArrayList<>()).add(m);
            firstOffsets.computeIfAbsent(block, k -> new HashMap<>()).merge(r.partition(), r.offset(), Math::min);
        }
        long span = spec.blockSpan().toMillis();
        long watermark = Long.MAX_VALUE;
        for (long w : taskWatermark) watermark = Math.min(watermark, w);
        while (!open.isEmpty() && watermark != Long.MIN_VALUE && (open.firstKey() + 1) * span + closeAfterMs <= watermark) {
            writeThrough(open.firstKey());
        }
        return n;
    }

    /**
     * Writes every block still open, and empty ones on to {@code through} (the last block in which
     * this side saw events, so its counts there are in the manifest too): the input has ended.
     */
    public void flush(long through) {
        long last = open.isEmpty() ? through : Math.max(open.lastKey(), through);
        if (last == Long.MIN_VALUE || (!manifest.blocks().isEmpty() && last <= manifest.lastIndex())) return;
        writeThrough(last);
    }

    /** Records how many leader-ids records the join refused so far (see {@link Manifest#refused()}). */
    public void recordRefused(long n) {
        if (n == manifest.refused()) return;
        manifest = manifest.withRefused(n);
        manifest.write(folder);
    }

    /** The manifest as last written. */
    public Manifest manifest() {
        return manifest;
    }

    /** How many matches are read but not yet in a written block. */
    public int pending() {
        return open.values().stream().mapToInt(List::size).sum();
    }

    /** The leader positions of block {@code index}, in the block's row order: what the leader needs to write its half. */
    public static long[] leaderRefs(Path folder, long index) {
        try {
            ByteBuffer bb = ByteBuffer.wrap(Files.readAllBytes(folder.resolve(refsFile(index))));
            long[] refs = new long[bb.remaining() / 8];
            for (int i = 0; i < refs.length; i++) refs[i] = bb.getLong();
            return refs;
        } catch (IOException e) {
            throw new UncheckedIOException("the positions of block " + index + " cannot be read: " + e.getMessage(), e);
        }
    }

    static String refsFile(long index) {
        return "block-" + index + ".refs";
    }

    /** Writes blocks from the one after the last written up to {@code last}, empty ones included, so the spans have no gaps. */
    private void writeThrough(long last) {
        long from = !manifest.blocks().isEmpty() ? manifest.lastIndex() + 1 : open.isEmpty() ? last : open.firstKey();
        for (long b = from; b <= last; b++) writeOne(b);
    }

    private void writeOne(long index) {
        List<Values.Match> ms = open.remove(index);
        firstOffsets.remove(index);
        if (ms == null) ms = List.of();
        List<Values.Match> sorted = new ArrayList<>(ms);
        sorted.sort(Comparator.comparingLong(Values.Match::leaderRef).thenComparingLong(Values.Match::followerRef));
        List<String[]> rows = new ArrayList<>(sorted.size());
        ByteBuffer refs = ByteBuffer.allocate(8 * sorted.size());
        Values.Match previous = null;
        for (Values.Match m : sorted) {
            // the same pair twice can only come from a copy of the ids topic made outside exactly-once (a mirror that read
            // uncommitted records); it is one example
            if (previous != null && previous.leaderRef() == m.leaderRef() && previous.followerRef() == m.followerRef()) continue;
            previous = m;
            rows.add(m.cells());
            refs.putLong(m.leaderRef());
        }
        try {
            BlockFiles.replace(folder.resolve(refsFile(index)), java.util.Arrays.copyOf(refs.array(), refs.position()));
        } catch (IOException e) {
            throw new UncheckedIOException("the positions of block " + index + " cannot be written: " + e.getMessage(), e);
        }
        String sha = BlockFiles.write(folder, index, manifest.columns(), rows);
        long span = spec.blockSpan().toMillis();
        WindowCounts c = counts.apply(index);
        Manifest.Block block = new Manifest.Block(index, index * span, (index + 1) * span, rows.size(), BlockFiles.name(index), sha,
                c.in(), c.late(), c.malformed(), System.currentTimeMillis());
        // resume at the first record of a block still open, or where reading has got to
        Map<Integer, Long> resume = new HashMap<>(position);
        for (Map<Integer, Long> first : firstOffsets.values()) first.forEach((p, o) -> resume.merge(p, o, Math::min));
        manifest = manifest.with(block, resume, position, lateMatches);
        manifest.write(folder);
    }

    @Override
    public void close() {
        consumer.close(Duration.ofSeconds(5));
    }
}
