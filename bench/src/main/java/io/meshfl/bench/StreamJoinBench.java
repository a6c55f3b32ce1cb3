package io.meshfl.bench;

import io.meshfl.core.contract.ContractLoader;
import io.meshfl.core.contract.DataContract;
import io.meshfl.stream.JoinProcess;
import io.meshfl.stream.KafkaBroker;
import io.meshfl.stream.blocks.Manifest;
import io.meshfl.stream.event.EventCodec;
import io.meshfl.stream.gen.AdsStream;
import io.meshfl.stream.join.JoinKey;
import io.meshfl.stream.join.JoinSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * The stream join end to end through a real Kafka broker (one KRaft node in its own JVM on the same
 * machine), beside its floor, in one run: the generated advertising streams ({@code n} impressions,
 * their conversions) are played into the broker first; the floor is one plain consumer reading both
 * topics, parsing every event against its contract and hashing its id (what any join must do, with
 * no state, no exactly-once and no second party); the join is both parties' Kafka Streams
 * applications with exactly-once processing and the follower's block writer, from start until the
 * follower has written every block; then the same with the ids classified pii and joined blinded,
 * beside the scalar multiplications such a join needs. Usage: {@code StreamJoinBench DOC [n]}.
 */
public final class StreamJoinBench {

    static final double TARGET_PER_SECOND = 200_000;

    private StreamJoinBench() {
    }

    public static void main(String[] args) throws Exception {
        Path doc = Docs.docPath(args);
        long n = args.length > 1 ? Long.parseLong(args[1]) : 1_000_000;
        Path dir = Files.createTempDirectory("meshfl-stream-bench");
        try (KafkaBroker broker = KafkaBroker.start()) {
            Path contracts = Files.createDirectories(dir.resolve("contracts"));
            for (String f : List.of("platform.impressions.yaml", "advertiser.conversions.yaml")) {
                Files.writeString(contracts.resolve(f), Files.readString(Path.of("examples", "ads-stream", f)).replace("127.0.0.1:9092", broker.bootstrap()));
            }
            DataContract imps = ContractLoader.load(contracts.resolve("platform.impressions.yaml"), false);
            DataContract convs = ContractLoader.load(contracts.resolve("advertiser.conversions.yaml"), false);
            long t0 = System.nanoTime();
            AdsStream.Truth truth = AdsStream.play(AdsStream.withRate(AdsStream.Settings.of(n, 7), 200), broker.bootstrap(),
                    "ads.impressions", "ads.conversions", s -> System.out.println("  " + s));
            double playSeconds = (System.nanoTime() - t0) / 1e9;
            long events = truth.impressions() + truth.conversions();

            double floorSeconds = Double.MAX_VALUE;
            for (int rep = 0; rep < 2; rep++) floorSeconds = Math.min(floorSeconds, floor(broker.bootstrap(), imps, convs, events));
            System.out.printf(Locale.ROOT, "floor: %.1f s for %,d events%n", floorSeconds, events);

            Run hashed = join(new JoinSpec("bench", Duration.ofMinutes(30), Duration.ofMinutes(5), Duration.ofMinutes(10)), imps, convs,
                    dir.resolve("hashed"), truth);

            // the same streams with their ids classified pii: joined blinded, beside the X25519 work that any blinded join must do
            for (String f : List.of("platform.impressions.yaml", "advertiser.conversions.yaml")) {
                String yaml = Files.readString(contracts.resolve(f));
                Files.writeString(contracts.resolve(f.replace(".yaml", "-pii.yaml")), yaml.replaceFirst(
                        "\\{name: impression_id, logicalType: string, (required|primaryKey): true", "$0, classification: pii"));
            }
            DataContract impsPii = ContractLoader.load(contracts.resolve("platform.impressions-pii.yaml"), false);
            DataContract convsPii = ContractLoader.load(contracts.resolve("advertiser.conversions-pii.yaml"), false);
            if (!impsPii.isPii("impression_id") || !convsPii.isPii("impression_id")) throw new IllegalStateException("the pii contracts are not pii");
            double x25519Floor = x25519Floor(truth.impressions() + truth.conversions());
            System.out.printf(Locale.ROOT, "X25519 floor: %.1f s%n", x25519Floor);
            Run blinded = join(new JoinSpec("bench-blinded", Duration.ofMinutes(30), Duration.ofMinutes(5), Duration.ofMinutes(10), JoinSpec.Ids.BLINDED),
                    impsPii, convsPii, dir.resolve("blinded"), truth);

            // the end of a bounded join is noticed after endWait of quiet on each side, checked once a second
            double detect = 2 * (END_WAIT.toMillis() / 1000.0 + 1);
            long keys = truth.impressions() + truth.conversions();
            StringBuilder md = new StringBuilder();
            md.append(String.format(Locale.ROOT, "Generated advertising streams (`examples/ads-stream`): %,d impressions and %,d conversions (%,d should join, "
                            + "%,d arrive too late, %,d fall outside the 30-minute window), 2 partitions each, played into one Kafka %s broker (KRaft, "
                            + "its own JVM on the same machine) in %.1f s before the clock starts. Exactly-once processing, blocks of 5 minutes. "
                            + "Keyed-hash ids: HMAC-SHA256 under a key agreed by X25519. Blinded ids (the same streams, their id classified pii): "
                            + "each id hashed to Curve25519 and blinded by both parties (the leader's per event, the follower's per block of event "
                            + "time, through the leader and back). One run.%n%n",
                    truth.impressions(), truth.conversions(), truth.matched().size(), truth.late(), truth.outside(),
                    org.apache.kafka.common.utils.AppInfoParser.getVersion(), playSeconds));
            md.append("| | seconds | events/s | joined examples/s | recall | precision | late dropped (expected) |\n|---|---:|---:|---:|---:|---:|---:|\n");
            md.append(String.format(Locale.ROOT, "| floor: one consumer reads both topics, parses and hashes every event | %.1f | %,.0f | | | | |%n",
                    floorSeconds, events / floorSeconds));
            md.append(String.format(Locale.ROOT, "| keyed-hash join, both parties, until the follower's last block is written (includes about %.0f s of end-of-input detection) | %s%n",
                    detect, hashed.row(events, truth)));
            md.append(String.format(Locale.ROOT, "| X25519 floor: %,d ids hashed to the curve and blinded, and %,d points blinded again, on 2 threads (the scalar "
                            + "multiplications of a blinded join, no Kafka) | %.1f | %,.0f | | | | |%n", keys, keys, x25519Floor, events / x25519Floor));
            md.append(String.format(Locale.ROOT, "| blinded join, both parties, likewise | %s%n", blinded.row(events, truth)));
            md.append(String.format(Locale.ROOT, "%nKeyed-hash join / floor: %.2fx. Target at least %,.0f joined examples/s with keyed-hash ids: %s (%,.0f reached). "
                            + "Blinded join / X25519 floor: %.2fx (target at most 1.3x: %s).%n%n",
                    hashed.seconds / floorSeconds, TARGET_PER_SECOND, hashed.manifest.rows() / hashed.seconds >= TARGET_PER_SECOND ? "met" : "not met",
                    hashed.manifest.rows() / hashed.seconds, blinded.seconds / x25519Floor, blinded.seconds / x25519Floor <= 1.3 ? "met" : "not met"));
            md.append(Docs.stamp()).append("\n");
            System.out.print(md);
            Docs.replaceBlock(doc, "stream", md.toString());
        }
    }

    static final Duration END_WAIT = Duration.ofSeconds(2);

    /** One join's manifest and time. */
    record Run(Manifest manifest, double seconds, double recall, double precision, long late) {
        String row(long events, AdsStream.Truth truth) {
            return String.format(Locale.ROOT, "%.1f | %,.0f | %,.0f | %.5f | %.5f | %d (%d) |", seconds, events / seconds, manifest.rows() / seconds,
                    recall, precision, late, truth.late());
        }
    }

    /** Both parties of one join, the leader on a thread of its own, until the follower has written its last block. */
    static Run join(JoinSpec spec, DataContract imps, DataContract convs, Path dir, AdsStream.Truth truth) throws Exception {
        SecureRandom rnd = new SecureRandom();
        byte[] ls = JoinKey.newSecret(rnd);
        byte[] fs = JoinKey.newSecret(rnd);
        // a daemon thread: when the follower fails, the bench ends with its error instead of waiting on the leader
        ExecutorService pool = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "leader");
            t.setDaemon(true);
            return t;
        });
        long j0 = System.nanoTime();
        Future<Manifest> leader = pool.submit(() -> JoinProcess.run(new JoinProcess.Options(spec, JoinSpec.Side.LEADER, imps, ls,
                JoinKey.publicOf(fs), dir.resolve("leader-state"), null, END_WAIT), s -> System.out.println("  " + s)));
        Manifest m = JoinProcess.run(new JoinProcess.Options(spec, JoinSpec.Side.FOLLOWER, convs, fs, JoinKey.publicOf(ls),
                dir.resolve("follower-state"), dir.resolve("blocks"), END_WAIT), s -> System.out.println("  " + s));
        double seconds = (System.nanoTime() - j0) / 1e9;
        leader.get(5, TimeUnit.MINUTES);
        pool.shutdown();
        Set<String> found = new HashSet<>();
        for (Manifest.Block b : m.blocks()) {
            List<String> lines = Files.readAllLines(dir.resolve("blocks").resolve(b.file()));
            for (String line : lines.subList(1, lines.size())) found.add(line.substring(0, line.indexOf(',')));
        }
        long tp = found.stream().filter(truth.matched()::contains).count();
        long late = m.blocks().stream().mapToLong(Manifest.Block::late).sum();
        return new Run(m, seconds, tp / (double) truth.matched().size(), found.isEmpty() ? 0 : tp / (double) found.size(), late);
    }

    /**
     * Seconds for the scalar multiplications of a blinded join of {@code keys} ids on this machine's two cores: every id
     * hashed to the curve and blinded once, every resulting point blinded once more (PSI's blinder, 2 threads, in batches).
     */
    static double x25519Floor(long keys) {
        io.meshfl.core.crypto.psi.Blinder b = new io.meshfl.core.crypto.psi.Blinder(io.meshfl.core.crypto.psi.PsiKey.random(new SecureRandom()), 2);
        String[] ids = new String[100_000];
        for (int i = 0; i < ids.length; i++) ids[i] = Long.toHexString(0x8000000000000000L | (i * 0x9E3779B97F4A7C15L));
        long t0 = System.nanoTime();
        long sink = 0;
        for (long done = 0; done < keys; done += ids.length) {
            int n = (int) Math.min(ids.length, keys - done);
            byte[] points = b.blindKeys(ids, 0, n);
            sink += b.reblind(points)[0];
        }
        if (sink == Long.MIN_VALUE) System.out.println();
        return (System.nanoTime() - t0) / 1e9;
    }

    /** Seconds for one consumer to read both topics, parse every event and hash its id. */
    static double floor(String bootstrap, DataContract imps, DataContract convs, long events) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000");
        JoinKey.Hasher h = JoinKey.agree(JoinKey.newSecret(new SecureRandom()), JoinKey.publicOf(JoinKey.newSecret(new SecureRandom())), "floor").hasher();
        long t0 = System.nanoTime();
        long seen = 0;
        long sink = 0;
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            for (DataContract dc : List.of(imps, convs)) {
                EventCodec codec = new EventCodec(dc);
                String topic = dc.server().stream().topic();
                List<TopicPartition> parts = new ArrayList<>();
                c.partitionsFor(topic).forEach(pi -> parts.add(new TopicPartition(topic, pi.partition())));
                c.assign(parts);
                c.seekToBeginning(parts);
                Map<TopicPartition, Long> end = c.endOffsets(parts);
                long want = end.values().stream().mapToLong(Long::longValue).sum();
                long got = 0;
                while (got < want) {
                    for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(500))) {
                        got++;
                        EventCodec.Parsed e = codec.parse(r.value());
                        if (e.ok()) sink += h.hash(e.event().key())[0];
                    }
                }
                seen += got;
            }
        }
        if (seen != events) throw new IllegalStateException("the floor read " + seen + " events, " + events + " were played");
        if (sink == Long.MIN_VALUE) System.out.println();
        return (System.nanoTime() - t0) / 1e9;
    }
}
