package io.meshfl.stream.join;

import io.meshfl.core.ErrorCode;
import io.meshfl.core.MeshflException;
import io.meshfl.core.contract.DataContract;
import io.meshfl.core.contract.Server;
import io.meshfl.core.crypto.psi.PsiKey;
import io.meshfl.stream.KafkaLogs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * One party of a stream join running on its own Kafka cluster: its Kafka Streams application
 * (exactly-once, state restored from changelog topics after a restart), the topics it writes,
 * and what it can say about itself while it runs: its counts per block, events the join dropped,
 * how far behind its inputs it is.
 */
public final class StreamParty implements AutoCloseable {

    private final JoinSpec spec;
    private final JoinSpec.Side side;
    private final KafkaStreams streams;
    private final String sourceTopic;
    private final String bootstrap;
    private final AtomicLong malformed;
    private final AtomicReference<Throwable> failure = new AtomicReference<>();

    private final int idPartitions;
    private final JoinKey key;

    private final int ownPartitions;
    /** Source partitions with nothing left to read, as last checked ({@link #checkSources}); a blinded join's follower closes quiet blocks only on them. */
    private final java.util.Set<Integer> caughtUpSources;

    private StreamParty(JoinSpec spec, JoinSpec.Side side, KafkaStreams streams, String sourceTopic, String bootstrap, int idPartitions,
                        int ownPartitions, AtomicLong malformed, JoinKey key, java.util.Set<Integer> caughtUpSources) {
        this.caughtUpSources = caughtUpSources;
        this.idPartitions = idPartitions;
        this.ownPartitions = ownPartitions;
        this.key = key;
        this.spec = spec;
        this.side = side;
        this.streams = streams;
        this.sourceTopic = sourceTopic;
        this.bootstrap = bootstrap;
        this.malformed = malformed;
    }

    /**
     * Starts one side. The contract must be a Kafka product whose id field may be hashed (not
     * classified pii); the state folder holds Kafka Streams' local state.
     */
    public static StreamParty start(JoinSpec spec, JoinSpec.Side side, DataContract contract, JoinKey key, Path stateDir,
                                    Consumer<String> log) {
        return start(spec, side, contract, key, null, stateDir, log);
    }

    /** Starts one side; {@code blindingKey} is this party's scalar in a blinded join (null in a hashed one). */
    public static StreamParty start(JoinSpec spec, JoinSpec.Side side, DataContract contract, JoinKey key, PsiKey blindingKey, Path stateDir,
                                    Consumer<String> log) {
        KafkaLogs.quiet();
        Server.Stream st = contract.server().stream();
        if (st == null) {
            throw new MeshflException(ErrorCode.JOB_INVALID, "product " + contract.id() + " is not a stream (its server is not of type kafka)");
        }
        if (spec.skew().compareTo(st.watermarkDelay()) < 0) {
            throw new MeshflException(ErrorCode.JOB_INVALID, "skew: the join's allowed disorder (" + spec.skew() + ") is shorter than product "
                    + contract.id() + "'s watermark delay (" + st.watermarkDelay() + "); events the stream still takes could miss the join");
        }
        boolean blinded = spec.ids() == JoinSpec.Ids.BLINDED;
        if (contract.isPii(st.keyField()) && !blinded) {
            throw new MeshflException(ErrorCode.POLICY_VIOLATION, "product " + contract.id() + ": its event id '" + st.keyField()
                    + "' is classified pii; a keyed hash would let the other party test guessed ids, so the join is refused: "
                    + "join it with blinded ids (--ids blinded, on both sides)");
        }
        if (blinded && blindingKey == null) throw new IllegalArgumentException("a blinded join needs this party's blinding key");
        int idPartitions;
        int ownPartitions;
        try (Admin admin = Admin.create(io.meshfl.stream.KafkaConnection.client(st.bootstrap()))) {
            int partitions = admin.describeTopics(List.of(st.topic())).allTopicNames().get().get(st.topic()).partitions().size();
            ownPartitions = partitions;
            if (side == JoinSpec.Side.LEADER) {
                JoinApps.create(admin, spec.leaderIdsTopic(), partitions);
                idPartitions = partitions;
            } else {
                JoinApps.create(admin, spec.matchesTopic(), 1);
                if (blinded) {
                    // the way back first: the leader starts blinding the follower's batches once the way there exists
                    JoinApps.create(admin, spec.reblindedTopic(), partitions);
                    JoinApps.create(admin, spec.followerBlindedTopic(), partitions);
                }
                idPartitions = JoinApps.awaitTopic(admin, spec.leaderIdsTopic(), "the leader's ids", Duration.ofMinutes(2), log);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "interrupted while preparing the join's topics");
        } catch (ExecutionException e) {
            throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "the topics of the join (" + st.topic()
                    + (side == JoinSpec.Side.FOLLOWER ? ", " + spec.leaderIdsTopic() : "") + ") cannot be described at "
                    + st.bootstrap() + ": " + e.getCause().getMessage());
        }
        AtomicLong bad = new AtomicLong();
        Consumer<String> problems = p -> {
            // the first problems are logged (field names and positions only, never values); all are counted per block
            if (bad.incrementAndGet() <= 10) log.accept("malformed event dropped: " + p);
        };
        java.util.Set<Integer> caughtUp = java.util.concurrent.ConcurrentHashMap.newKeySet();
        Topology t = side == JoinSpec.Side.LEADER ? Topologies.leader(spec, contract, key, blindingKey, problems)
                : Topologies.follower(spec, contract, key, blindingKey, idPartitions, ownPartitions, caughtUp::contains, problems);
        KafkaStreams streams = new KafkaStreams(t, JoinApps.properties(spec.applicationId(side), st.bootstrap(), stateDir));
        StreamParty party = new StreamParty(spec, side, streams, st.topic(), st.bootstrap(), idPartitions, ownPartitions, bad, key, caughtUp);
        streams.setUncaughtExceptionHandler(e -> {
            party.failure.set(e);
            log.accept("the " + side.name().toLowerCase(java.util.Locale.ROOT) + "'s stream application failed: " + reason(e));
            return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        });
        streams.start();
        return party;
    }

    /**
     * Whether this side has processed everything its inputs hold now: for every partition of its
     * source topics and internal topics, its committed position has reached the last stable offset
     * (committed records only, as exactly-once reads them).
     */
    public boolean caughtUp() {
        List<String> sources = new java.util.ArrayList<>(List.of(sourceTopic));
        if (side == JoinSpec.Side.FOLLOWER) {
            // the follower's repartition topics too: its join tasks may not have committed a position there yet
            sources.add(spec.leaderIdsTopic());
            sources.add(spec.applicationId(side) + "-" + Topologies.FOLLOWER_IDS + "-repartition");
            if (spec.ids() == JoinSpec.Ids.BLINDED) {
                sources.add(spec.reblindedTopic());
                sources.add(spec.applicationId(side) + "-" + Topologies.LEADER_IDS + "-repartition");
            }
        }
        return JoinApps.caughtUp(admin(), spec.applicationId(side), sources);
    }

    /** Rechecks which of this side's source partitions have nothing left to read (committed offsets at the end). */
    public void checkSources() {
        java.util.Set<Integer> now = JoinApps.caughtUpPartitions(admin(), spec.applicationId(side), sourceTopic);
        caughtUpSources.retainAll(now);
        caughtUpSources.addAll(now);
    }

    /** Whether the leader has marked the end of its input on every partition of the leader-ids topic (the follower only). */
    public boolean leaderEnded() {
        if (side != JoinSpec.Side.FOLLOWER) throw new IllegalStateException("only the follower receives the leader's end marks");
        List<ReadOnlyKeyValueStore<String, Long>> clocks = joinClocks();
        if (clocks.size() < idPartitions) return false;
        for (ReadOnlyKeyValueStore<String, Long> clock : clocks) if (clock.get(IntervalJoin.ENDED) == null) return false;
        return true;
    }

    /** The join's clock store of each partition of the leader-ids topic this instance holds; fewer while it is (re)assigned. */
    private List<ReadOnlyKeyValueStore<String, Long>> joinClocks() {
        List<ReadOnlyKeyValueStore<String, Long>> out = new java.util.ArrayList<>();
        for (int p = 0; p < idPartitions; p++) {
            try {
                out.add(streams.store(StoreQueryParameters.fromNameAndType(IntervalJoin.CLOCK,
                        QueryableStoreTypes.<String, Long>keyValueStore()).withPartition(p)));
            } catch (org.apache.kafka.streams.errors.InvalidStateStoreException e) {
                // this partition's task is not running here now
            }
        }
        return out;
    }

    /**
     * The leader's last word for a bounded join: closes its application (committing what it sent)
     * and writes an end mark to every partition of the leader-ids topic.
     */
    public void markEnd() {
        if (side != JoinSpec.Side.LEADER) throw new IllegalStateException("only the leader marks the end of its input");
        streams.close(Duration.ofSeconds(30));
        JoinApps.writeMarks(bootstrap, spec.leaderIdsTopic(), key.sealer()::endMark);
    }

    private Admin admin;

    private synchronized Admin admin() {
        if (admin == null) admin = Admin.create(io.meshfl.stream.KafkaConnection.client(bootstrap));
        return admin;
    }

    /** How many tasks the follower's join runs (one per partition of the leader-ids topic): the block writer hears from each. */
    public int joinTasks() {
        return idPartitions;
    }

    /** Waits until the application runs (or fails); false on time-out. */
    public boolean awaitRunning(Duration timeout) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < end) {
            failIfFailed();
            if (streams.state() == KafkaStreams.State.RUNNING) return true;
            Thread.sleep(50);
        }
        return false;
    }

    /** This side's counts for one block, summed over its partitions. */
    public WindowCounts counts(long block) {
        WindowCounts sum = WindowCounts.ZERO;
        for (ReadOnlyKeyValueStore<Long, WindowCounts> store : countStores()) {
            WindowCounts c = store.get(block);
            if (c != null) sum = sum.plus(c);
        }
        return sum;
    }

    /** The last block of event time in which this side has seen an event (taken, late or malformed); Long.MIN_VALUE before any. */
    public long lastCountedBlock() {
        java.util.SortedMap<Long, WindowCounts> all = allCounts();
        return all.isEmpty() ? Long.MIN_VALUE : all.lastKey();
    }

    /** This side's counts for every block it has seen, summed over its partitions. */
    public java.util.SortedMap<Long, WindowCounts> allCounts() {
        java.util.TreeMap<Long, WindowCounts> all = new java.util.TreeMap<>();
        for (ReadOnlyKeyValueStore<Long, WindowCounts> store : countStores()) {
            try (var it = store.all()) {
                while (it.hasNext()) {
                    var kv = it.next();
                    all.merge(kv.key, kv.value, WindowCounts::plus);
                }
            }
        }
        return all;
    }

    /** The count store of each source partition this instance processes, retried while Kafka Streams is (re)assigning them. */
    private List<ReadOnlyKeyValueStore<Long, WindowCounts>> countStores() {
        for (int attempt = 0; ; attempt++) {
            try {
                List<ReadOnlyKeyValueStore<Long, WindowCounts>> out = new java.util.ArrayList<>();
                for (var md : streams.metadataForLocalThreads()) {
                    for (var task : md.activeTasks()) {
                        for (var tp : task.topicPartitions()) {
                            if (!tp.topic().equals(sourceTopic)) continue;
                            out.add(streams.store(StoreQueryParameters
                                    .fromNameAndType(SideProcessor.COUNTS, QueryableStoreTypes.<Long, WindowCounts>keyValueStore())
                                    .withPartition(tp.partition())));
                        }
                    }
                }
                return out;
            } catch (org.apache.kafka.streams.errors.InvalidStateStoreException e) {
                if (attempt >= 100) throw e;
                try {
                    Thread.sleep(100);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    /**
     * Events whose window reached into state the join had already expired (one side far behind the
     * other), plus records Kafka Streams itself dropped: expected 0, reported whatever it is.
     */
    public long droppedByJoin() {
        double sum = 0;
        for (Map.Entry<MetricName, ? extends Metric> e : streams.metrics().entrySet()) {
            if (e.getKey().name().equals("dropped-records-total") && e.getValue().metricValue() instanceof Double d) sum += d;
        }
        long joined = 0;
        if (side == JoinSpec.Side.FOLLOWER) {
            for (ReadOnlyKeyValueStore<String, Long> clock : joinClocks()) {
                Long d = clock.get(IntervalJoin.DROPPED);
                if (d != null) joined += d;
            }
        }
        return (long) sum + joined;
    }

    /**
     * Records on the leader-ids topic whose seal did not open under the job's key (ids, times or end
     * marks written by someone other than the leader, or changed on the way), dropped by the join.
     */
    public long refused() {
        if (side != JoinSpec.Side.FOLLOWER) return 0;
        long n = JoinApps.sum(streams, OpenLeaderIds.COUNTS, OpenLeaderIds.REFUSED, idPartitions);
        if (spec.ids() == JoinSpec.Ids.BLINDED) n += JoinApps.sum(streams, Unblind.COUNTS, Unblind.REFUSED, ownPartitions);
        return n;
    }

    /** Events of a blinded join's follower still waiting for their batch to come back blinded by both (0 in a hashed join). */
    public long waitingForBlinding() {
        if (side != JoinSpec.Side.FOLLOWER || spec.ids() != JoinSpec.Ids.BLINDED) return 0;
        long n = 0;
        for (int p = 0; p < ownPartitions; p++) {
            try {
                n += streams.store(StoreQueryParameters.fromNameAndType(BlindBatches.PENDING,
                        QueryableStoreTypes.<Object, Object>keyValueStore()).withPartition(p)).approximateNumEntries();
            } catch (org.apache.kafka.streams.errors.InvalidStateStoreException e) {
                return Long.MAX_VALUE;
            }
        }
        return n;
    }

    /**
     * The follower's last word in a blinded join: a sealed mark on every partition of the follower-blinded topic, after
     * which the leader's reblinder may stop.
     */
    public void markFollowerEnd() {
        if (side != JoinSpec.Side.FOLLOWER || spec.ids() != JoinSpec.Ids.BLINDED) throw new IllegalStateException("only a blinded join's follower marks its end");
        JoinApps.writeMarks(bootstrap, spec.followerBlindedTopic(), key.sealer()::followerEndMark);
    }

    /** The largest number of records this side's consumers are behind their inputs (committed records only). */
    public long lag() {
        double max = 0;
        for (Map.Entry<MetricName, ? extends Metric> e : streams.metrics().entrySet()) {
            if (e.getKey().name().equals("records-lag") && e.getValue().metricValue() instanceof Double d && !d.isNaN()) {
                max = Math.max(max, d);
            }
        }
        return (long) max;
    }

    /** Values that could not be read against the contract. */
    public long malformed() {
        return malformed.get();
    }

    /** What failed in a stream task: Kafka Streams wraps it with the task's position and a whole stack trace in the message. */
    static String reason(Throwable t) {
        Throwable c = t;
        while (c instanceof org.apache.kafka.streams.errors.StreamsException && c.getCause() != null) c = c.getCause();
        return c == t ? String.valueOf(t.getMessage()) : c.getMessage() + " (" + c.getClass().getSimpleName() + ")";
    }

    public void failIfFailed() {
        Throwable t = failure.get();
        if (t != null) {
            throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "the " + side.name().toLowerCase(java.util.Locale.ROOT)
                    + "'s stream application failed: " + reason(t), t);
        }
        if (streams.state() == KafkaStreams.State.ERROR || streams.state() == KafkaStreams.State.PENDING_ERROR) {
            throw new MeshflException(ErrorCode.PROTOCOL_FAILURE, "the " + side.name().toLowerCase(java.util.Locale.ROOT)
                    + "'s stream application stopped in state " + streams.state());
        }
    }

    public JoinSpec spec() {
        return spec;
    }

    @Override
    public void close() {
        streams.close(Duration.ofSeconds(30));
        synchronized (this) {
            if (admin != null) admin.close(Duration.ofSeconds(5));
        }
    }
}
