package io.meshfl.stream.ingest;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.meshfl.core.contract.DataContract;
import io.meshfl.core.contract.Property;
import io.meshfl.core.contract.Server;
import io.meshfl.stream.KafkaConnection;
import io.meshfl.stream.KafkaLogs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * Moves a file stream's parts into its topic, every row of every complete part exactly once,
 * whatever stops it. Each chunk of a part's rows goes to the topic in one Kafka transaction
 * together with the part's progress (its SHA-256, how many of its rows are done) on the topic's
 * compacted progress topic ({@link #progressTopic}); a restarted ingester first fences the one
 * before it (the same transactional id), which aborts its open chunk, then reads the committed
 * progress and goes on from the next row. Readers of committed records (the join) see each row
 * once. A part that changes after some of its rows went in stops the ingester, naming it: its
 * rows would otherwise be half old, half new. A row whose cells do not fit the contract is not
 * sent; it is counted, and the first ten are logged by part, line and column.
 */
public final class PartsIngest implements AutoCloseable {

    /**
     * Rows per transaction: a commit waits for every send of its chunk and writes the transaction's markers (about
     * 0.1 s here, docs/benchmarks.md), so chunks are large; a restart repeats at most one, about a second of sending.
     */
    public static final int CHUNK_ROWS = 100_000;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration SCAN_EVERY = Duration.ofMillis(500);

    /** One part's committed progress, as kept on the progress topic. */
    public record Progress(String sha256, long size, long rows, long sent, long rejected, boolean complete) {
    }

    private final DataContract contract;
    private final Server.Stream stream;
    private final List<String> columns;
    private final int chunkRows;
    private final Consumer<String> log;
    private final Map<String, Progress> progress = new java.util.concurrent.ConcurrentHashMap<>();
    /** The size and modification time a complete part had when last hashed: it is hashed again only when they change. */
    private final Map<String, String> checked = new HashMap<>();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();
    private volatile boolean idle;
    private volatile boolean stop;
    private KafkaProducer<byte[], byte[]> producer;
    /** The ingest thread's DuckDB connection, for every part it reads. */
    private java.sql.Connection duck;
    private Thread thread;
    private long problemsLogged;

    private PartsIngest(DataContract contract, int chunkRows, Consumer<String> log) {
        this.contract = contract;
        this.stream = contract.server().stream();
        if (stream == null || stream.parts() == null) throw new IllegalArgumentException("product " + contract.id() + " has no parts (servers[0].parts)");
        this.columns = contract.properties().stream().map(Property::name).toList();
        this.chunkRows = chunkRows;
        this.log = log;
    }

    /** The compacted topic that records how far each part of {@code topic} has gone in. */
    public static String progressTopic(String topic) {
        return topic + ".meshfl-parts";
    }

    /**
     * Starts moving the contract's parts into its topic on a thread of its own: creates the topic
     * (with the cluster's default partitions) and the progress topic where they do not exist,
     * fences any earlier ingester of the topic and reads the committed progress before it returns.
     */
    public static PartsIngest start(DataContract contract, Consumer<String> log) {
        return start(contract, CHUNK_ROWS, log);
    }

    /** The same with another number of rows per transaction (tests make it small to be killed between chunks). */
    public static PartsIngest start(DataContract contract, int chunkRows, Consumer<String> log) {
        KafkaLogs.quiet();
        PartsIngest in = new PartsIngest(contract, chunkRows, log);
        in.createTopics();
        in.producer = new KafkaProducer<>(in.producerProperties(), new ByteArraySerializer(), new ByteArraySerializer());
        try {
            // fences an earlier ingester of the topic and aborts what it had not committed
            in.producer.initTransactions();
            in.readProgress();
            Properties duckProps = new Properties();
            // rows stream from a part; a large one is never held in memory
            duckProps.setProperty("jdbc_stream_results", "true");
            in.duck = java.sql.DriverManager.getConnection("jdbc:duckdb:", duckProps);
        } catch (RuntimeException | java.sql.SQLException e) {
            in.producer.close(Duration.ZERO);
            if (e instanceof RuntimeException r) throw r;
            throw new IllegalStateException("DuckDB cannot be opened to read the parts: " + e.getMessage(), e);
        }
        in.thread = new Thread(in::loop, "meshfl-parts-" + in.stream.topic());
        in.thread.setDaemon(true);
        in.thread.start();
        return in;
    }

    private Properties producerProperties() {
        Properties p = KafkaConnection.client(stream.bootstrap());
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "meshfl-parts-" + stream.topic());
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "20");
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, "262144");
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        return p;
    }

    private void createTopics() {
        try (Admin admin = Admin.create(KafkaConnection.client(stream.bootstrap()))) {
            var have = admin.listTopics().names().get();
            List<NewTopic> missing = new java.util.ArrayList<>();
            if (!have.contains(stream.topic())) {
                missing.add(new NewTopic(stream.topic(), Optional.empty(), Optional.empty()));
                log.accept("parts: topic " + stream.topic() + " created with the cluster's default partitions");
            }
            String pt = progressTopic(stream.topic());
            if (!have.contains(pt)) {
                missing.add(new NewTopic(pt, Optional.of(1), Optional.empty()).configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT)));
            }
            if (!missing.isEmpty()) admin.createTopics(missing).all().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating the topics of " + stream.topic(), e);
        } catch (java.util.concurrent.ExecutionException e) {
            if (!(e.getCause() instanceof org.apache.kafka.common.errors.TopicExistsException)) {
                throw new IllegalStateException("the topics of " + stream.topic() + " cannot be created at " + stream.bootstrap() + ": " + e.getCause().getMessage(), e);
            }
        }
    }

    private void readProgress() {
        Properties p = KafkaConnection.client(stream.bootstrap());
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        TopicPartition tp = new TopicPartition(progressTopic(stream.topic()), 0);
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            long end = c.endOffsets(List.of(tp)).get(tp);
            while (c.position(tp) < end) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(500))) {
                    if (r.key() == null || r.value() == null) continue;
                    try {
                        progress.put(new String(r.key(), StandardCharsets.UTF_8), JSON.readValue(r.value(), Progress.class));
                    } catch (IOException e) {
                        throw new IllegalStateException("the progress topic " + tp.topic() + " holds a record that is not a part's progress at offset "
                                + r.offset() + "; it is written only by MeshFL's ingester", e);
                    }
                }
            }
        }
        sent.set(progress.values().stream().mapToLong(Progress::sent).sum());
        long done = progress.values().stream().filter(Progress::complete).count();
        if (!progress.isEmpty()) log.accept("parts: " + done + " parts already in " + stream.topic() + ", " + (progress.size() - done) + " in part");
    }

    private void loop() {
        try {
            while (!stop) {
                boolean worked = false;
                for (Parts.Part part : Parts.arrived(stream.parts())) {
                    if (stop) return;
                    worked |= ingest(part);
                }
                if (!worked) {
                    idle = true;
                    Thread.sleep(SCAN_EVERY.toMillis());
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Throwable e) {
            failure.set(e);
            log.accept("parts: stopped: " + e.getMessage());
        }
    }

    /** Moves what is left of one part into the topic; false when nothing was left. */
    private boolean ingest(Parts.Part part) throws Exception {
        Progress was = progress.get(part.name());
        if (was != null && was.complete()) {
            requireUnchanged(part, was);
            return false;
        }
        idle = false;
        long size = Files.size(part.file());
        String sha = Parts.sha256(part.file());
        if (was != null && !was.sha256().equals(sha)) throw changed(part);
        long done = was == null ? 0 : was.rows();
        long[] partSent = {was == null ? 0 : was.sent()};
        long[] partRejected = {was == null ? 0 : was.rejected()};
        EventValues values = new EventValues(contract);
        PartReader reader = new PartReader(duck, part, columns);
        List<String> requiredMissing = reader.missing().stream().filter(c -> contract.properties().stream()
                .anyMatch(p -> p.name().equals(c) && (p.required() || p.primaryKey()))).toList();
        if (!requiredMissing.isEmpty()) {
            throw new IllegalArgumentException("part " + part.name() + " has no column " + String.join(", ", requiredMissing)
                    + ", which the contract requires; none of its rows can be an event");
        }
        if (was == null) {
            if (!reader.missing().isEmpty()) log.accept("parts: " + part.name() + " has no column " + reader.missing() + ": empty in its events");
            if (!reader.unread().isEmpty()) log.accept("parts: " + part.name() + "'s columns " + reader.unread() + " are not in the contract: not read");
        }
        long[] inChunk = {0};
        producer.beginTransaction();
        long[] row = {done};
        try {
            reader.read(done, (r, cells) -> {
                EventValues.Written w = values.write(cells);
                if (w.ok()) {
                    // the record's time is when it went in, so the topic's retention counts from then; the join reads the event's own time
                    producer.send(new ProducerRecord<>(stream.topic(), w.id().getBytes(StandardCharsets.UTF_8), w.value()));
                    partSent[0]++;
                } else {
                    partRejected[0]++;
                    rejected.incrementAndGet();
                    if (problemsLogged++ < 10) log.accept("parts: " + part.name() + " " + reader.where(r) + ": " + w.problem() + "; row not sent");
                }
                row[0] = r + 1;
                if (++inChunk[0] == chunkRows) {
                    commit(part.name(), new Progress(sha, size, row[0], partSent[0], partRejected[0], false));
                    if (stop) throw new Stopped();
                    producer.beginTransaction();
                    inChunk[0] = 0;
                }
            });
            // read to its end: a part that changed while it was read would mix old rows and new
            if (!Parts.sha256(part.file()).equals(sha)) throw changed(part);
        } catch (Stopped e) {
            return true;
        } catch (Exception e) {
            abort();
            throw e;
        }
        Progress end = new Progress(sha, size, row[0], partSent[0], partRejected[0], true);
        commit(part.name(), end);
        checked.put(part.name(), stamp(part));
        log.accept("parts: " + part.name() + " in " + stream.topic() + ": " + end.sent() + " events"
                + (end.rejected() == 0 ? "" : ", " + end.rejected() + " rows not sent (they do not fit the contract)"));
        return true;
    }

    /** Said by the row loop, between chunks, when the ingester is closed: nothing is open then. */
    private static final class Stopped extends RuntimeException {
        Stopped() {
            super(null, null, false, false);
        }
    }

    /** Aborts the open chunk so that none of it is read as committed; a fenced producer has nothing left to abort. */
    private void abort() {
        try {
            producer.abortTransaction();
        } catch (RuntimeException e) {
            log.accept("parts: the open chunk could not be aborted (" + e.getMessage() + "); the broker aborts it when its transaction times out");
        }
    }

    private void commit(String name, Progress p) throws IOException {
        producer.send(new ProducerRecord<>(progressTopic(stream.topic()), 0, name.getBytes(StandardCharsets.UTF_8), JSON.writeValueAsBytes(p)));
        producer.commitTransaction();
        progress.put(name, p);
        sent.set(progress.values().stream().mapToLong(Progress::sent).sum());
    }

    private void requireUnchanged(Parts.Part part, Progress was) throws IOException {
        String stamp = stamp(part);
        if (stamp.equals(checked.get(part.name()))) return;
        if (Files.size(part.file()) != was.size() || !Parts.sha256(part.file()).equals(was.sha256())) throw changed(part);
        checked.put(part.name(), stamp);
    }

    private static String stamp(Parts.Part part) throws IOException {
        return Files.size(part.file()) + "@" + Files.getLastModifiedTime(part.file()).toMillis();
    }

    private static IllegalStateException changed(Parts.Part part) {
        return new IllegalStateException("part " + part.name() + " changed after its rows began to go into the topic; a part is written once "
                + "and renamed into place when complete: put new events in a new part (the changed part is not read again)");
    }

    /** Events sent (committed) so far, over every part this topic has had. */
    public long sent() {
        return sent.get();
    }

    /** Rows not sent because they do not fit the contract, since this ingester started. */
    public long rejected() {
        return rejected.get();
    }

    /** Whether every part that has arrived is in the topic (as of the last look at the folder). */
    public boolean idle() {
        return idle;
    }

    /** The committed progress of each part. */
    public Map<String, Progress> progress() {
        return Map.copyOf(progress);
    }

    /** Throws what stopped the ingester, if anything did. */
    public void failIfFailed() {
        Throwable t = failure.get();
        if (t != null) throw new IllegalStateException("the parts of " + contract.id() + " stopped going into " + stream.topic() + ": " + t.getMessage(), t);
    }

    @Override
    public void close() throws InterruptedException {
        stop = true;
        if (thread != null) thread.join(Duration.ofMinutes(1).toMillis());
        producer.close(Duration.ofSeconds(10));
        try {
            duck.close();
        } catch (java.sql.SQLException e) {
            // nothing was written through it
        }
    }

    /** {@code PartsIngest CONTRACT [CHUNK_ROWS]}: moves a contract's parts into its topic until the process is stopped, as the tests run it (and kill it). */
    public static void main(String[] args) throws Exception {
        DataContract c = io.meshfl.core.contract.ContractLoader.load(Path.of(args[0]), false);
        PartsIngest in = start(c, args.length > 1 ? Integer.parseInt(args[1]) : CHUNK_ROWS, System.out::println);
        while (true) {
            in.failIfFailed();
            Thread.sleep(200);
        }
    }
}
