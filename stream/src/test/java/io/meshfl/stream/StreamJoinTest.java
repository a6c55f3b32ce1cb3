package io.meshfl.stream;

import io.meshfl.core.contract.ContractLoader;
import io.meshfl.core.contract.DataContract;
import io.meshfl.stream.blocks.BlockWriter;
import io.meshfl.stream.blocks.LeaderBlocks;
import io.meshfl.stream.blocks.Manifest;
import io.meshfl.stream.gen.AdsStream;
import io.meshfl.stream.join.JoinKey;
import io.meshfl.stream.join.JoinSpec;
import io.meshfl.stream.join.WindowCounts;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The stream join against a real Kafka broker, checked against the generator's known answer. */
class StreamJoinTest {

    static final int IMPRESSIONS = 60_000;
    static KafkaBroker broker;
    static AdsStream.Truth truth;
    static Path contracts;

    @BeforeAll
    static void playTheStreams() throws Exception {
        broker = KafkaBroker.start();
        broker.createTopics(Map.of("ads.impressions", 2, "ads.conversions", 2));
        contracts = Files.createTempDirectory("meshfl-stream-contracts");
        for (String f : List.of("platform.impressions.yaml", "advertiser.conversions.yaml")) {
            String yaml = Files.readString(Path.of("..", "examples", "ads-stream", f)).replace("127.0.0.1:9092", broker.bootstrap());
            Files.writeString(contracts.resolve(f), yaml);
            // the same products with their id classified as personal data, which only the blinded join may compare
            String pii = yaml.replaceFirst("\\{name: impression_id, logicalType: string, (required|primaryKey): true", "$0, classification: pii");
            if (pii.equals(yaml)) throw new IllegalStateException(f + ": the id's property is not where the test expects it");
            Files.writeString(contracts.resolve(f.replace(".yaml", "-pii.yaml")), pii);
        }
        // 10 a second: 100 minutes of impressions, so blocks close while the stream is still being joined
        truth = AdsStream.play(AdsStream.withRate(AdsStream.Settings.of(IMPRESSIONS, 11), 10), broker.bootstrap(), "ads.impressions", "ads.conversions", s -> { });
        assertTrue(truth.late() > 0, "the generator made some conversions too late");
        assertTrue(truth.outside() > 0, "the generator made some conversions fall outside the window");
    }

    @AfterAll
    static void stop() throws Exception {
        if (broker != null) broker.close();
    }

    static DataContract contract(String name) {
        return ContractLoader.load(contracts.resolve(name + ".yaml"), false);
    }

    /** Both parties in this JVM (each its own Kafka Streams application on the broker) until both are idle. */
    static Manifest runInJvm(JoinSpec spec, Path dir) throws Exception {
        SecureRandom rnd = new SecureRandom();
        return runInJvm(spec, dir, JoinKey.newSecret(rnd), JoinKey.newSecret(rnd));
    }

    static Manifest runInJvm(JoinSpec spec, Path dir, byte[] leaderSecret, byte[] followerSecret) throws Exception {
        String pii = spec.ids() == JoinSpec.Ids.BLINDED ? "-pii" : "";
        return runInJvm(spec, dir, leaderSecret, followerSecret, contract("platform.impressions" + pii), contract("advertiser.conversions" + pii));
    }

    static Manifest runInJvm(JoinSpec spec, Path dir, byte[] leaderSecret, byte[] followerSecret, DataContract imps, DataContract convs) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<Manifest> leader = pool.submit(() -> JoinProcess.run(new JoinProcess.Options(spec, JoinSpec.Side.LEADER, imps, leaderSecret,
                    JoinKey.publicOf(followerSecret), dir.resolve("leader-state"), null, Duration.ofSeconds(5)), StreamJoinTest::log));
            Future<Manifest> follower = pool.submit(() -> JoinProcess.run(new JoinProcess.Options(spec, JoinSpec.Side.FOLLOWER, convs, followerSecret,
                    JoinKey.publicOf(leaderSecret), dir.resolve("follower-state"), dir.resolve("follower-blocks"), Duration.ofSeconds(5)), StreamJoinTest::log));
            long end = System.nanoTime() + TimeUnit.MINUTES.toNanos(6);
            // a party that fails fails the test at once; neither may run past the deadline
            while (!follower.isDone()) {
                if (leader.isDone()) leader.get();
                if (System.nanoTime() > end) throw new AssertionError("the join did not end in 6 minutes");
                Thread.sleep(200);
            }
            leader.get(2, TimeUnit.MINUTES);
            return follower.get();
        } finally {
            pool.shutdownNow();
        }
    }

    static void log(String line) {
        System.out.println(java.time.LocalTime.now() + " " + line);
    }

    static JoinSpec spec(String job) {
        return new JoinSpec(job, Duration.ofMinutes(30), Duration.ofMinutes(5), Duration.ofMinutes(10));
    }

    @Test
    void theJoinFindsTheGeneratorsMatchesDropsTheLateOnesAndBothSidesWriteAlignedBlocks(@TempDir Path dir) throws Exception {
        JoinSpec spec = spec("ads-a");
        Manifest m = runInJvm(spec, dir);
        DataContract imps = contract("platform.impressions");

        List<String> ids = new ArrayList<>();
        for (Manifest.Block b : m.blocks()) {
            List<String> lines = Files.readAllLines(dir.resolve("follower-blocks").resolve(b.file()));
            assertEquals(b.rows() + 1, lines.size(), "block " + b.index() + " holds the rows its manifest says");
            for (String line : lines.subList(1, lines.size())) ids.add(line.substring(0, line.indexOf(',')));
        }
        Set<String> found = new HashSet<>(ids);
        assertEquals(ids.size(), found.size(), "no example is written twice");
        long truePositives = found.stream().filter(truth.matched()::contains).count();
        double recall = truePositives / (double) truth.matched().size();
        double precision = truePositives / (double) found.size();
        assertTrue(recall >= 0.999, "recall " + recall + " (" + found.size() + " written, " + truth.matched().size()
                + " expected, " + m.lateMatches() + " matches after their block)");
        assertTrue(precision >= 0.999, "precision " + precision);
        long late = m.blocks().stream().mapToLong(Manifest.Block::late).sum();
        assertEquals(truth.late(), late, "every deliberately late conversion is counted as dropped, and nothing else");
        assertEquals(0, m.lateMatches(), "no match arrived after its block was written");

        // the leader writes its half from the positions alone, row for row the same examples
        var leaderCounts = io.meshfl.stream.blocks.CountsFile.read(dir.resolve("leader-state").resolve(io.meshfl.stream.blocks.CountsFile.FILE));
        assertEquals(truth.impressions(), leaderCounts.values().stream().mapToLong(WindowCounts::in).sum(), "the leader took every impression");
        try (LeaderBlocks lb = new LeaderBlocks(spec, imps, dir.resolve("leader-blocks"))) {
            for (Manifest.Block b : m.blocks()) {
                lb.write(b.index(), BlockWriter.leaderRefs(dir.resolve("follower-blocks"), b.index()), leaderCounts.getOrDefault(b.index(), WindowCounts.ZERO));
                List<String> f = Files.readAllLines(dir.resolve("follower-blocks").resolve(b.file()));
                List<String> l = Files.readAllLines(dir.resolve("leader-blocks").resolve(b.file()));
                assertEquals(f.size(), l.size());
                for (int i = 1; i < f.size(); i++) {
                    assertEquals(f.get(i).substring(0, f.get(i).indexOf(',')), l.get(i).substring(0, l.get(i).indexOf(',')),
                            "row " + i + " of block " + b.index() + " is the same example on both sides");
                }
            }
            assertEquals(m.rows(), lb.manifest().rows());
            assertEquals(truth.impressions(), lb.manifest().blocks().stream().mapToLong(Manifest.Block::in).sum(),
                    "the leader's manifest counts every impression in the blocks' spans");
        }
        System.out.printf("stream join: %d impressions, %d conversions, %d expected matches, %d written, recall %.5f, precision %.5f, %d late%n",
                truth.impressions(), truth.conversions(), truth.matched().size(), found.size(), recall, precision, late);
    }

    /**
     * A follower run with blinded ids against a leader run with hashed ids opens none of the leader's
     * records; it stops with an error naming both ways, not a join that waits for records it will never open.
     */
    @Test
    void partiesThatCompareIdsDifferentlyStopWithAnErrorNamingBothWays(@TempDir Path dir) throws Exception {
        String m = followerOfAnotherWay("ads-mismatch", JoinSpec.Ids.HASHED, JoinSpec.Ids.BLINDED, dir.resolve("a"));
        assertTrue(m.contains("the other party of this stream join compares ids by keyed hash (--ids hashed) and this one blinded (--ids blinded)"), m);
        // the other way round: a hashed follower opens none of a blinded leader's points either, and says why
        m = followerOfAnotherWay("ads-mismatch-2", JoinSpec.Ids.BLINDED, JoinSpec.Ids.HASHED, dir.resolve("b"));
        assertTrue(m.contains("the other party of this stream join compares ids blinded (--ids blinded) and this one by keyed hash (--ids hashed)"), m);
    }

    /** What stops a follower comparing ids {@code followerIds} against a leader comparing them {@code leaderIds}. */
    static String followerOfAnotherWay(String job, JoinSpec.Ids leaderIds, JoinSpec.Ids followerIds, Path dir) throws Exception {
        SecureRandom rnd = new SecureRandom();
        byte[] leaderSecret = JoinKey.newSecret(rnd);
        byte[] followerSecret = JoinKey.newSecret(rnd);
        JoinSpec base = spec(job);
        java.util.function.Function<JoinSpec.Ids, JoinSpec> way = ids -> new JoinSpec(base.job(), base.within(), base.blockSpan(), base.skew(), ids);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            pool.submit(() -> JoinProcess.run(new JoinProcess.Options(way.apply(leaderIds), JoinSpec.Side.LEADER, contract("platform.impressions"),
                    leaderSecret, JoinKey.publicOf(followerSecret), dir.resolve("leader-state"), null, Duration.ofSeconds(5)), StreamJoinTest::log));
            Future<Manifest> follower = pool.submit(() -> JoinProcess.run(new JoinProcess.Options(way.apply(followerIds), JoinSpec.Side.FOLLOWER,
                    contract("advertiser.conversions"), followerSecret, JoinKey.publicOf(leaderSecret), dir.resolve("follower-state"),
                    dir.resolve("follower-blocks"), Duration.ofSeconds(5)), StreamJoinTest::log));
            return org.junit.jupiter.api.Assertions.assertThrows(java.util.concurrent.ExecutionException.class,
                    () -> follower.get(4, TimeUnit.MINUTES)).getCause().getMessage();
        } finally {
            // a hashed leader ends by itself; a blinded one would wait 2 minutes for the follower's topics of blinded ids, then say so
            pool.shutdownNow();
        }
    }

    /**
     * Someone with write access to the follower's cluster and the follower's public key (public),
     * but not the job's key, writes to the leader-ids topic before the leader starts: end marks for
     * both partitions (unsealed, and sealed under a key of its own agreement with the follower), and
     * ids with the genuine hashes of conversions that should not join, timed so that they would
     * (the worst case: it knows the ids and the hash), unsealed and sealed under its own key, and a
     * record without a key. Without the seal the early end marks would end the join before the
     * leader's ids arrive, and the forged ids would join as examples.
     */
    @Test
    void recordsTheLeaderDidNotSealAreRefusedAndAnEarlyEndMarkDoesNotEndTheJoin(@TempDir Path dir) throws Exception {
        JoinSpec spec = spec("ads-forged");
        SecureRandom rnd = new SecureRandom();
        byte[] leaderSecret = JoinKey.newSecret(rnd);
        byte[] followerSecret = JoinKey.newSecret(rnd);
        JoinKey.Hasher genuineHash = JoinKey.agree(followerSecret, JoinKey.publicOf(leaderSecret), spec.job()).hasher();
        JoinKey.Sealer attackers = JoinKey.agree(JoinKey.newSecret(rnd), JoinKey.publicOf(followerSecret), spec.job()).sealer();

        // conversions that should not join (late or outside the window), read from the advertiser's topic
        io.meshfl.stream.event.EventCodec codec = new io.meshfl.stream.event.EventCodec(contract("advertiser.conversions"));
        List<io.meshfl.stream.event.Event> targets = new ArrayList<>();
        try (var c = consumer()) {
            var parts = c.partitionsFor("ads.conversions").stream()
                    .map(pi -> new org.apache.kafka.common.TopicPartition("ads.conversions", pi.partition())).toList();
            c.assign(parts);
            c.seekToBeginning(parts);
            while (targets.size() < 50) {
                for (var r : c.poll(Duration.ofMillis(500))) {
                    var parsed = codec.parse(r.value());
                    if (parsed.ok() && !truth.matched().contains(parsed.event().key()) && targets.size() < 50) targets.add(parsed.event());
                }
            }
        }
        broker.createTopics(Map.of(spec.leaderIdsTopic(), 2));
        int forged = 0;
        try (var producer = new org.apache.kafka.clients.producer.KafkaProducer<byte[], byte[]>(Map.of(
                "bootstrap.servers", broker.bootstrap(), "acks", "all"),
                new org.apache.kafka.common.serialization.ByteArraySerializer(), new org.apache.kafka.common.serialization.ByteArraySerializer())) {
            for (int p = 0; p < 2; p++) {
                byte[] junk = new byte[JoinKey.SEAL_BYTES];
                rnd.nextBytes(junk);
                producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>(spec.leaderIdsTopic(), p, new byte[0], junk));
                producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>(spec.leaderIdsTopic(), p, new byte[0], attackers.endMark(p)));
                forged += 2;
            }
            for (int i = 0; i < targets.size(); i++) {
                io.meshfl.stream.event.Event e = targets.get(i);
                byte[] hash = genuineHash.hash(e.key());
                byte[] id = new io.meshfl.stream.join.Values.LeaderId(io.meshfl.stream.join.Values.ref(0, 900_000_000L + i), e.time() - 60_000).encode();
                producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>(spec.leaderIdsTopic(), hash, id));
                producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>(spec.leaderIdsTopic(), hash, attackers.seal(hash, id)));
                forged += 2;
            }
            producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>(spec.leaderIdsTopic(), 0, null, new byte[32]));
            forged++;
            producer.flush();
        }

        Manifest m = runInJvm(spec, dir, leaderSecret, followerSecret);
        Set<String> found = new HashSet<>();
        for (Manifest.Block b : m.blocks()) {
            List<String> lines = Files.readAllLines(dir.resolve("follower-blocks").resolve(b.file()));
            for (String line : lines.subList(1, lines.size())) found.add(line.substring(0, line.indexOf(',')));
        }
        for (io.meshfl.stream.event.Event e : targets) assertTrue(!found.contains(e.key()), "a forged id joined conversion " + e.key());
        long truePositives = found.stream().filter(truth.matched()::contains).count();
        assertTrue(truePositives >= 0.999 * truth.matched().size(), "the forged end marks ended the join early: recall "
                + truePositives / (double) truth.matched().size());
        assertEquals(found.size(), truePositives, "every joined example is a true one");
        assertEquals(forged, m.refused(), "every forged record is refused and counted in the manifest");
        assertEquals(forged, Manifest.read(dir.resolve("follower-blocks")).refused(), "the count is on disk too");
    }

    /**
     * Ids the contracts classify as pii, joined blinded: the same blocks as the hashed join of the same streams (rows,
     * order, digests, counts), no id in any form on the topics between the parties, and no answer to batches that someone
     * without the job's key writes to the leader (who could otherwise blind guessed ids of its own there and compare them
     * with the leader's points, readable on the leader-ids topic).
     */
    @Test
    void piiIdsJoinedBlindedGiveTheSameBlocksAsHashedIdsAndTheLeaderAnswersOnlyTheFollower(@TempDir Path dir) throws Exception {
        Manifest hashed = runInJvm(spec("ads-hashed"), dir.resolve("hashed"));
        JoinSpec spec = new JoinSpec("ads-blinded", Duration.ofMinutes(30), Duration.ofMinutes(5), Duration.ofMinutes(10), JoinSpec.Ids.BLINDED);
        SecureRandom rnd = new SecureRandom();
        byte[] leaderSecret = JoinKey.newSecret(rnd);
        byte[] followerSecret = JoinKey.newSecret(rnd);
        // the attacker: its own scalar, its own agreement with the leader's public key, write access to the topics
        io.meshfl.core.crypto.psi.Blinder attackerBlinder = new io.meshfl.core.crypto.psi.Blinder(io.meshfl.core.crypto.psi.PsiKey.random(rnd), 1);
        JoinKey.Sealer attackers = JoinKey.agree(JoinKey.newSecret(rnd), JoinKey.publicOf(leaderSecret), spec).sealer();
        JoinKey.Sealer hashedJobsKey = JoinKey.agree(followerSecret, JoinKey.publicOf(leaderSecret), spec.job()).sealer();
        broker.createTopics(Map.of(spec.reblindedTopic(), 2, spec.followerBlindedTopic(), 2));
        long forgedBlock = 999_999;
        try (var producer = new org.apache.kafka.clients.producer.KafkaProducer<byte[], byte[]>(Map.of(
                "bootstrap.servers", broker.bootstrap(), "acks", "all"),
                new org.apache.kafka.common.serialization.ByteArraySerializer(), new org.apache.kafka.common.serialization.ByteArraySerializer())) {
            List<String> guesses = new ArrayList<>(truth.matched()).subList(0, 20);
            byte[] points = attackerBlinder.blindKeys(guesses);
            for (int p = 0; p < 2; p++) {
                byte[] k = new io.meshfl.stream.join.IdBlinding.BatchId(p, forgedBlock, 0).encode();
                byte[] k2 = new io.meshfl.stream.join.IdBlinding.BatchId(p, forgedBlock, 1).encode();
                byte[] k3 = new io.meshfl.stream.join.IdBlinding.BatchId(p, forgedBlock, 2).encode();
                producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>(spec.followerBlindedTopic(), p, k, points));
                producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>(spec.followerBlindedTopic(), p, k2,
                        attackers.seal(JoinKey.Sealer.BATCH, k2, points)));
                // sealed under the follower's key of another way of comparing ids (a hashed join of the same job): does not open either
                producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>(spec.followerBlindedTopic(), p, k3,
                        hashedJobsKey.seal(JoinKey.Sealer.BATCH, k3, points)));
                // an early end mark would stop the leader answering
                producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>(spec.followerBlindedTopic(), p, new byte[0],
                        attackers.followerEndMark(p)));
            }
            producer.flush();
        }

        Manifest blinded = runInJvm(spec, dir.resolve("blinded"), leaderSecret, followerSecret);
        assertEquals(summary(hashed), summary(blinded), "the same blocks, rows, digests and counts as the hashed join");
        assertEquals(0, blinded.lateMatches());
        assertTrue(blinded.rows() >= 0.999 * truth.matched().size(), blinded.rows() + " rows of " + truth.matched().size());

        int batches = 0;
        java.util.regex.Pattern anId = java.util.regex.Pattern.compile("[0-9a-f]{16}");
        for (String topic : List.of(spec.leaderIdsTopic(), spec.followerBlindedTopic(), spec.reblindedTopic())) {
            for (var r : readAll(topic)) {
                for (byte[] b : new byte[][]{r.key(), r.value()}) {
                    if (b == null) continue;
                    assertTrue(!anId.matcher(new String(b, java.nio.charset.StandardCharsets.ISO_8859_1)).find(), "an id in the clear on " + topic);
                }
                if (topic.equals(spec.reblindedTopic())) {
                    var id = io.meshfl.stream.join.IdBlinding.BatchId.decode(r.key());
                    assertTrue(id != null && id.block() != forgedBlock, "the leader answered a batch the follower did not send");
                    batches++;
                }
            }
        }
        assertTrue(batches >= 2, "the follower's own batches were answered (" + batches + ")");
    }

    /** Streams whose events are Avro records (single-object encoding, the contracts' schemas) join as JSON ones do. */
    @Test
    void avroEventsJoinAsJsonEventsDo(@TempDir Path dir) throws Exception {
        List<DataContract> avro = new ArrayList<>();
        for (String f : List.of("platform.impressions", "advertiser.conversions")) {
            String yaml = Files.readString(contracts.resolve(f + ".yaml"));
            String topic = f.startsWith("platform") ? "ads.impressions" : "ads.conversions";
            String edited = yaml.replace("    topic: " + topic + "\n", "    topic: " + topic + ".avro\n    format: avro\n");
            if (edited.equals(yaml)) throw new IllegalStateException(f + ": the topic is not where the test expects it");
            Files.writeString(dir.resolve(f + ".yaml"), edited);
            avro.add(ContractLoader.load(dir.resolve(f + ".yaml"), false));
        }
        AdsStream.Truth t = AdsStream.play(AdsStream.withRate(AdsStream.Settings.of(10_000, 13), 10), broker.bootstrap(),
                "ads.impressions.avro", "ads.conversions.avro", AdsStream.avro(avro.get(0)), AdsStream.avro(avro.get(1)), s -> { });
        SecureRandom rnd = new SecureRandom();
        Manifest m = runInJvm(spec("ads-avro"), dir.resolve("run"), JoinKey.newSecret(rnd), JoinKey.newSecret(rnd), avro.get(0), avro.get(1));
        Set<String> found = new HashSet<>();
        for (Manifest.Block b : m.blocks()) {
            List<String> lines = Files.readAllLines(dir.resolve("run").resolve("follower-blocks").resolve(b.file()));
            for (String line : lines.subList(1, lines.size())) found.add(line.substring(0, line.indexOf(',')));
        }
        long truePositives = found.stream().filter(t.matched()::contains).count();
        assertTrue(truePositives >= 0.999 * t.matched().size(), "recall " + truePositives + " of " + t.matched().size());
        assertEquals(found.size(), truePositives, "every joined example is a true one");
        assertEquals(t.late(), m.blocks().stream().mapToLong(Manifest.Block::late).sum(), "the deliberately late conversions, counted");
        assertEquals(0, m.blocks().stream().mapToLong(Manifest.Block::malformed).sum(), "every Avro event read");
    }

    /** Every committed record of a topic. */
    static List<org.apache.kafka.clients.consumer.ConsumerRecord<byte[], byte[]>> readAll(String topic) {
        List<org.apache.kafka.clients.consumer.ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (var c = new org.apache.kafka.clients.consumer.KafkaConsumer<byte[], byte[]>(Map.of("bootstrap.servers", broker.bootstrap(),
                "enable.auto.commit", "false", "isolation.level", "read_committed"),
                new org.apache.kafka.common.serialization.ByteArrayDeserializer(), new org.apache.kafka.common.serialization.ByteArrayDeserializer())) {
            var parts = c.partitionsFor(topic).stream().map(pi -> new org.apache.kafka.common.TopicPartition(topic, pi.partition())).toList();
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<org.apache.kafka.common.TopicPartition, Long> ends = c.endOffsets(parts);
            while (parts.stream().anyMatch(tp -> c.position(tp) < ends.get(tp))) {
                for (var r : c.poll(Duration.ofMillis(500))) out.add(r);
            }
        }
        return out;
    }

    static org.apache.kafka.clients.consumer.KafkaConsumer<byte[], byte[]> consumer() {
        return new org.apache.kafka.clients.consumer.KafkaConsumer<>(Map.of("bootstrap.servers", broker.bootstrap(), "enable.auto.commit", "false"),
                new org.apache.kafka.common.serialization.ByteArrayDeserializer(), new org.apache.kafka.common.serialization.ByteArrayDeserializer());
    }

    @Test
    void killingEitherPartyMidStreamAndRestartingItWritesTheSameBlocksAsAnUndisturbedRun(@TempDir Path dir) throws Exception {
        killAndRestart(dir, JoinSpec.Ids.HASHED);
    }

    /** The same with blinded ids: the follower's held events and sent batches, and the leader's answers, survive a kill -9. */
    @Test
    void killingEitherPartyOfABlindedJoinAndRestartingItWritesTheSameBlocksAsAnUndisturbedRun(@TempDir Path dir) throws Exception {
        killAndRestart(dir, JoinSpec.Ids.BLINDED);
    }

    static void killAndRestart(Path dir, JoinSpec.Ids ids) throws Exception {
        String tag = ids.name().toLowerCase(java.util.Locale.ROOT);
        Manifest reference = runInJvm(new JoinSpec("ads-ref-" + tag, Duration.ofMinutes(30), Duration.ofMinutes(5), Duration.ofMinutes(10), ids),
                dir.resolve("ref"));
        assertTrue(reference.blocks().size() >= 4, "enough blocks to kill the follower between two of them");

        String job = "ads-kill-" + tag;
        String pii = ids == JoinSpec.Ids.BLINDED ? "-pii" : "";
        SecureRandom rnd = new SecureRandom();
        Path keys = Files.createDirectories(dir.resolve("keys"));
        byte[] ls = JoinKey.newSecret(rnd);
        byte[] fs = JoinKey.newSecret(rnd);
        Path lsf = secretFile(keys.resolve("leader.key"), hex(ls));
        Path fsf = secretFile(keys.resolve("follower.key"), hex(fs));
        Path lpf = Files.writeString(keys.resolve("leader.pub"), hex(JoinKey.publicOf(ls)));
        Path fpf = Files.writeString(keys.resolve("follower.pub"), hex(JoinKey.publicOf(fs)));
        Path blocks = dir.resolve("kill-blocks");

        // the leader, killed once a fifth of its hashed ids are out (some of them not yet committed), then restarted
        Process leader = party("leader", "platform.impressions" + pii, job, lsf, fpf, dir.resolve("leader-state"), dir.resolve("none"), dir.resolve("leader-1.log"), ids);
        long expected = truth.impressions();
        waitFor(() -> endOffsets("meshfl." + job + ".leader-ids") > expected / 5, leader, Duration.ofMinutes(3), "the leader to send a fifth of its ids");
        long atKill = endOffsets("meshfl." + job + ".leader-ids");
        leader.destroyForcibly().waitFor();
        assertTrue(atKill < expected, "the leader was killed mid-stream (" + atKill + " of " + expected + ")");
        leader = party("leader", "platform.impressions" + pii, job, lsf, fpf, dir.resolve("leader-state"), dir.resolve("none"), dir.resolve("leader-2.log"), ids);

        // the follower, killed after it has written its first blocks but before the last, then restarted
        Process follower = party("follower", "advertiser.conversions" + pii, job, fsf, lpf, dir.resolve("follower-state"), blocks, dir.resolve("follower-1.log"), ids);
        int total = reference.blocks().size();
        waitFor(() -> {
            Manifest m = Manifest.read(blocks);
            return m != null && m.blocks().size() >= 2;
        }, follower, Duration.ofMinutes(4), "the follower to write two blocks");
        follower.destroyForcibly().waitFor();
        int written = Manifest.read(blocks).blocks().size();
        assertTrue(written < total, "the follower was killed mid-stream (" + written + " of " + total + " blocks)");
        follower = party("follower", "advertiser.conversions" + pii, job, fsf, lpf, dir.resolve("follower-state"), blocks, dir.resolve("follower-2.log"), ids);

        assertTrue(follower.waitFor(6, TimeUnit.MINUTES), "the restarted follower finishes");
        assertEquals(0, follower.exitValue(), Files.readString(dir.resolve("follower-2.log")));
        assertTrue(leader.waitFor(2, TimeUnit.MINUTES), "the restarted leader finishes");
        assertEquals(0, leader.exitValue(), Files.readString(dir.resolve("leader-2.log")));
        Manifest again = Manifest.read(blocks);
        assertEquals(summary(reference), summary(again), "the same blocks, rows, digests and counts as the undisturbed run");
        assertEquals(0, again.lateMatches());
    }

    /** A block as compared between runs: everything but where reading resumes. */
    static List<String> summary(Manifest m) {
        return m.blocks().stream().map(b -> b.index() + " " + b.rows() + " " + b.sha256() + " " + b.in() + " " + b.late() + " " + b.malformed()).toList();
    }

    static Process party(String side, String contract, String job, Path secret, Path peer, Path state, Path blocks, Path log, JoinSpec.Ids ids)
            throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return new ProcessBuilder(java, "-Xmx512m", "-cp", System.getProperty("java.class.path"), JoinProcess.class.getName(), side,
                contracts.resolve(contract + ".yaml").toString(), job, secret.toString(), peer.toString(), state.toString(), blocks.toString(),
                "30m", "5m", "5s", ids.name()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    static Path secretFile(Path p, String text) throws Exception {
        Files.createFile(p, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
        return Files.writeString(p, text);
    }

    static long endOffsets(String topic) {
        try (var admin = org.apache.kafka.clients.admin.Admin.create(Map.of("bootstrap.servers", broker.bootstrap()))) {
            var parts = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions();
            Map<org.apache.kafka.common.TopicPartition, org.apache.kafka.clients.admin.OffsetSpec> q = new java.util.HashMap<>();
            for (var p : parts) q.put(new org.apache.kafka.common.TopicPartition(topic, p.partition()), org.apache.kafka.clients.admin.OffsetSpec.latest());
            return admin.listOffsets(q).all().get().values().stream().mapToLong(i -> i.offset()).sum();
        } catch (Exception e) {
            return 0;
        }
    }

    static void waitFor(java.util.function.BooleanSupplier done, Process p, Duration timeout, String what) throws Exception {
        long end = System.nanoTime() + timeout.toNanos();
        while (!done.getAsBoolean()) {
            if (!p.isAlive()) throw new AssertionError("the party exited (" + p.exitValue() + ") before " + what);
            if (System.nanoTime() > end) throw new AssertionError("timed out waiting for " + what);
            Thread.sleep(50);
        }
    }

    static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }
}
